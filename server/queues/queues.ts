import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { and, inArray, lt } from 'drizzle-orm';
import { jobKinds, queueNames, type CompactDocumentPayload, type EvaluationCreatedPayload } from '../../shared/schemas/jobs.ts';
import type { Database } from '../db/client.ts';
import { jobs } from '../db/schema.ts';

/** Every job kind, the queue it goes to and how it is retried. */
export const jobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export interface Queues {
  evaluations: Queue<EvaluationCreatedPayload>;
  documents: Queue<CompactDocumentPayload>;
  close: () => Promise<void>;
}

/** Opens the producer side of the queues. */
export function createQueues(redisUrl: string, prefix = 'quorum'): Queues {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  connection.on('error', () => {});
  const evaluations = new Queue<EvaluationCreatedPayload>(queueNames.evaluations, { connection, prefix });
  evaluations.on('error', () => {});
  const documents = new Queue<CompactDocumentPayload>(queueNames.documents, { connection, prefix });
  documents.on('error', () => {});
  return {
    evaluations,
    documents,
    close: async () => {
      await evaluations.close();
      await documents.close();
      connection.disconnect();
    },
  };
}

/** Enqueues the job for a `jobs` row; the row id is the BullMQ job id, so a repeat is a no-op. */
export async function enqueueJobRow(queues: Queues, row: { id: string; kind: string; subjectId: string }): Promise<void> {
  if (row.kind === jobKinds.evaluationCreated) {
    await queues.evaluations.add(row.kind, { jobId: row.id, evaluationId: row.subjectId }, { ...jobOptions, jobId: row.id });
    return;
  }
  throw new Error(`no queue for job kind ${row.kind}`);
}

/**
 * Asks for a document compaction. One waiting job per document is enough (BullMQ deduplication):
 * a compaction merges whatever the log holds when it runs. A request made while one runs is kept
 * for one more run after it (`keepLastIfActive`): the running one may have read the log before the
 * rows that prompted the request, and plain deduplication would drop it until the job ended.
 */
export async function enqueueDocumentCompaction(queues: Queues, documentId: string): Promise<void> {
  await queues.documents.add(
    jobKinds.compactDocument,
    { documentId },
    { attempts: 3, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: true, removeOnFail: { age: 24 * 3600 }, deduplication: { id: `compact-${documentId.replace(':', '-')}`, keepLastIfActive: true } },
  );
}

/**
 * Re-enqueues rows still `queued` or `running` after `olderThanMs`: covers an enqueue lost between
 * commit and Redis, and a Redis that lost its data. BullMQ ignores ids it already holds.
 */
export async function requeuePendingJobs(db: Database, queues: Queues, olderThanMs = 10_000): Promise<number> {
  const pending = await db
    .select({ id: jobs.id, kind: jobs.kind, subjectId: jobs.subjectId })
    .from(jobs)
    .where(and(inArray(jobs.state, ['queued', 'running']), lt(jobs.updatedAt, new Date(Date.now() - olderThanMs))));
  for (const row of pending) await enqueueJobRow(queues, row);
  return pending.length;
}
