import type { DocumentRef } from '../../../shared/realtime/documents.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { errors } from '../../../shared/errors.ts';
import { withDeadline } from '../../infra/deadline.ts';
import { LiveDocument } from './liveDocument.ts';
import type { DocumentOutlets } from './outlets.ts';
import { buildDoc, loadDocumentWriters, loadStoredDocument } from './persistence.ts';

const readTooSlow = () => errors.unavailable('The worksheet could not be read in time; it will be tried again.');

/**
 * Documents being read from storage: one read per document however many ask meanwhile, and the
 * stored updates other processes relay during the read (which it may have missed), applied once
 * the document is built.
 */
export class DocumentLoads {
  private readonly options: { db: Database; logger: Logger; outlets: DocumentOutlets; config: Pick<Config, 'DOC_BATCH_MS' | 'DOC_STORE_TIMEOUT_MS'> };
  private readonly loading = new Map<string, Promise<LiveDocument>>();
  /** Stored updates relayed while their document was loading: applied once it is loaded. */
  private readonly relayedDuring = new Map<string, Uint8Array[]>();

  constructor(options: DocumentLoads['options']) {
    this.options = options;
  }

  /** Documents being read now. */
  get ids(): string[] {
    return [...this.loading.keys()];
  }

  /** Resolves once every read under way now has ended (loaded or failed). */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.loading.values()]);
  }

  /** The document, read from storage (or the read already under way); `loaded` takes it before anyone else does. */
  load(documentId: string, ref: DocumentRef, loaded: (live: LiveDocument) => void): Promise<LiveDocument> {
    const pending = this.loading.get(documentId);
    if (pending) return pending;
    const { db, logger, outlets, config } = this.options;
    this.relayedDuring.set(documentId, []);
    // A read that does not answer within DOC_STORE_TIMEOUT_MS (a connection gone half-open) fails,
    // so the next join reads again instead of waiting on it with every other join of the document.
    const read = async (expired: () => boolean) => {
      const [stored, writers] = await Promise.all([loadStoredDocument(db, documentId), loadDocumentWriters(db, documentId)]);
      if (expired()) throw readTooSlow();
      const doc = buildDoc(stored.updates, (index, error) => logger.error({ err: error, documentId, index }, 'stored document update does not apply'));
      const live = new LiveDocument({ id: documentId, ref, doc, writers, storedBytes: stored.bytes, logLength: stored.logLength, outlets, batchMs: config.DOC_BATCH_MS });
      for (const update of this.relayedDuring.get(documentId) ?? []) live.applyStored(update);
      loaded(live);
      return live;
    };
    const loading = withDeadline(config.DOC_STORE_TIMEOUT_MS, read, () => {
      logger.warn({ documentId }, 'reading a document did not answer in time (DOC_STORE_TIMEOUT_MS): read again for the next join');
      return readTooSlow();
    }).finally(() => {
      this.loading.delete(documentId);
      this.relayedDuring.delete(documentId);
    });
    this.loading.set(documentId, loading);
    return loading;
  }

  /** Keeps a stored update relayed from another process for the document being read, if it is. */
  relayed(documentId: string, update: Uint8Array): void {
    this.relayedDuring.get(documentId)?.push(update);
  }
}
