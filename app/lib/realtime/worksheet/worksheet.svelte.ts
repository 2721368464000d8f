import { anchoredPassage, readWorksheet, worksheetParts, type WorksheetView } from '$shared/worksheet.ts';
import type { ErrorBody } from '$shared/errors.ts';
import { getSocket } from '$lib/realtime/socket.ts';
import { DocumentProvider, type SaveStatus } from './provider.ts';

/** Someone in the worksheet, as presence shows them. */
export interface Peer {
  clientId: number;
  userId: string;
  name: string;
  color: string;
  self: boolean;
}

/**
 * The reactive face of one worksheet for the page: the provider's save status, access and errors,
 * who is here, and a plain view of the structured parts (refreshed on every change to the doc).
 */
export class WorksheetState {
  readonly provider: DocumentProvider;
  status = $state<SaveStatus>('offline');
  unsaved = $state(0);
  canWrite = $state(false);
  synced = $state(false);
  diverged = $state(false);
  revoked = $state<string | null>(null);
  lastError = $state<ErrorBody | null>(null);
  /** The refusal that made the copy diverge (see DocumentProvider.divergedBy). */
  divergedBy = $state<ErrorBody | null>(null);
  peers = $state<Peer[]>([]);
  view = $state<WorksheetView>({ outcomes: [], draft: { semesterHours: null, level: null, subject: '', summary: '' }, threads: [] });
  /** Thread id → the passage its text anchor covers in the notes now ('' once deleted, null without a range). */
  passages = $state<Record<string, string | null>>({});
  private readonly stops: (() => void)[] = [];

  constructor(documentId: string, me: { id: string; name: string; color: string }) {
    this.provider = new DocumentProvider(getSocket(), documentId);
    const { doc, awareness } = this.provider;
    awareness.setLocalStateField('user', { id: me.id, name: me.name, color: me.color });
    const syncProvider = () => {
      this.status = this.provider.status;
      this.unsaved = this.provider.unsavedCount;
      this.canWrite = this.provider.canWrite;
      this.synced = this.provider.synced;
      this.diverged = this.provider.diverged;
      this.revoked = this.provider.revoked?.message ?? null;
      this.lastError = this.provider.lastError;
      this.divergedBy = this.provider.divergedBy;
    };
    this.stops.push(this.provider.subscribe(syncProvider));
    syncProvider();

    const syncPeers = () => {
      this.peers = [...awareness.getStates()].flatMap(([clientId, state]) => {
        const user = (state as { user?: { id?: unknown; name?: unknown; color?: unknown } }).user;
        if (!user || typeof user.name !== 'string') return [];
        return [{ clientId, userId: String(user.id ?? ''), name: user.name, color: typeof user.color === 'string' ? user.color : '#5f6b7a', self: clientId === awareness.clientID }];
      });
    };
    awareness.on('change', syncPeers);
    this.stops.push(() => awareness.off('change', syncPeers));
    syncPeers();

    // Anchored passages follow the notes: recomputed when the notes or the threads change.
    const syncPassages = () => {
      const passages: Record<string, string | null> = {};
      for (const thread of this.view.threads) if (thread.anchor.kind === 'text') passages[thread.id] = anchoredPassage(doc, thread.anchor);
      this.passages = passages;
    };
    const syncView = () => {
      this.view = readWorksheet(doc);
      syncPassages();
    };
    const { notes, outcomeMap, draft, comments } = worksheetParts(doc);
    for (const part of [outcomeMap, draft, comments]) {
      part.observeDeep(syncView);
      this.stops.push(() => part.unobserveDeep(syncView));
    }
    notes.observeDeep(syncPassages);
    this.stops.push(() => notes.unobserveDeep(syncPassages));
    syncView();
  }

  /** Stops listening and leaves the document (our presence goes with us). */
  destroy(): void {
    this.stops.forEach((stop) => stop());
    this.provider.destroy();
  }
}
