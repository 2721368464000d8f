import { compactDocumentPayloadSchema, jobKinds, queueNames } from '../shared/schemas/jobs.ts';
import { compactDocument } from '../server/realtime/documents/persistence.ts';
import { defineJob } from './base.ts';

/**
 * `document.compact`: merges a document's update log into its snapshot and deletes the merged rows.
 * A function of the stored rows only; a retry or a duplicate finds less (or nothing) to merge.
 */
export const compactDocumentJob = defineJob({
  kind: jobKinds.compactDocument,
  queue: queueNames.documents,
  schema: compactDocumentPayloadSchema,
  process: async (payload, _job, { db, logger }) => {
    const result = await compactDocument(db, payload.documentId);
    if (result.merged > 0) logger.info({ documentId: payload.documentId, ...result }, 'document compacted');
    return result;
  },
  // Nothing to show anyone: the log simply stays longer and the next compaction merges it.
  onFailed: async (payload, error, { logger }) => {
    logger.warn({ documentId: payload.documentId, err: error }, 'document compaction failed');
  },
});
