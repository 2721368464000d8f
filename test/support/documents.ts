import { io } from 'socket.io-client';
import { sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { DocumentProvider, type DocumentSocket } from '../../app/lib/realtime/worksheet/provider.ts';
import type { Database } from '../../server/db/client.ts';
import { documentUpdates } from '../../server/db/schema.ts';
import type { ErrorBody } from '../../shared/errors.ts';
import { toBytes, worksheetDocumentId, type WireBytes } from '../../shared/realtime/documents.ts';
import type { ClientToServerEvents } from '../../shared/realtime/events.ts';
import { encodeSyncUpdate, readSyncMessageBytes } from '../../shared/realtime/syncMessages.ts';
import type { Role } from '../../shared/roles.ts';
import type { EvaluationState } from '../../shared/workflow/evaluation.ts';
import { buildCourse, buildEvaluation, buildUser, seatReviewer } from './factories.ts';
import { signedIn } from './http.ts';
import { eventually } from './wait.ts';

/**
 * A Yjs update found by fuzzing Yjs 13.6: it decodes (Y.decodeUpdate), but Y.applyUpdate throws
 * ("Unexpected case"): an item's origin lies ahead of it in its own client's clock.
 */
export const UNAPPLIABLE_UPDATE = 'AQbZtOOiBQAEAQF0Amhlgdm046IFbwOE2bSgogUEBiB3b3IfZCgBAW0BYQF2AQF4fQEIAQFhAn0BfQKH2bTjogUNAQHZtOOiBQECAw==';

/** Stores a document's log as `edits` one-character updates (one row each): a document that takes a while to load. */
export async function storeLongLog(db: Database, documentId: string, edits = 4000): Promise<void> {
  const writer = new Y.Doc();
  const updates: Uint8Array[] = [];
  writer.on('update', (update: Uint8Array) => updates.push(update));
  for (let index = 0; index < edits; index++) writer.getText('notes-probe').insert(index, 'x');
  await db.insert(documentUpdates).values(updates.map((update) => ({ documentId, update: Buffer.from(update) })));
}

/** The database refuses every stored update (a real failure, raised by PostgreSQL itself) while `during` runs. */
export async function withStorageRefused(db: Database, during: () => Promise<void>): Promise<void> {
  await db.execute(sql`create function refuse_document_updates() returns trigger language plpgsql as $$ begin raise exception 'storage refused'; end $$`);
  await db.execute(sql`create trigger refuse_document_updates before insert on document_updates for each row execute function refuse_document_updates()`);
  try {
    await during();
  } finally {
    await db.execute(sql`drop trigger refuse_document_updates on document_updates`);
    await db.execute(sql`drop function refuse_document_updates()`);
  }
}

export type AckResponse<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
type AckData<E extends keyof ClientToServerEvents> =
  Parameters<ClientToServerEvents[E]>[1] extends (response: AckResponse<infer T>) => void ? T : never;

/** A Socket.IO client signed in as the session whose cookie is given; resolves once connected. */
export async function connectSocket(url: string, cookie: string): Promise<DocumentSocket> {
  const socket: DocumentSocket = io(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnectionDelay: 100, reconnectionDelayMax: 500 });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
  return socket;
}

/** Emits a client event and resolves with its ack. */
export function emitAck<E extends keyof ClientToServerEvents>(socket: DocumentSocket, event: E, payload: Parameters<ClientToServerEvents[E]>[0]): Promise<AckResponse<AckData<E>>> {
  return new Promise((resolve) => {
    const emit = socket.emit.bind(socket) as (name: string, body: unknown, ack: (response: AckResponse<AckData<E>>) => void) => void;
    emit(event, payload, resolve);
  });
}

/** The Yjs update that `change` (one transaction on `doc`) produces. */
export function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  let update: Uint8Array | null = null;
  const capture = (bytes: Uint8Array) => (update = bytes);
  doc.on('update', capture);
  try {
    doc.transact(change);
  } finally {
    doc.off('update', capture);
  }
  if (!update) throw new Error('the change produced no update');
  return update;
}

/** One Yjs text edit, as a client would send it: the raw update and its y-protocols update message. */
export function textEdit(text: string, doc = new Y.Doc()): { doc: Y.Doc; update: Uint8Array; sync: Uint8Array } {
  const update = updateOf(doc, () => doc.getText('probe').insert(doc.getText('probe').length, text));
  return { doc, update, sync: encodeSyncUpdate(update) };
}

/** A socket signed in with `cookie` that has joined the document (asserted); the caller closes it. */
export async function joinedSocket(url: string, cookie: string, documentId: string): Promise<DocumentSocket> {
  const socket = await connectSocket(url, cookie);
  const joined = await emitAck(socket, 'doc.join', { documentId });
  if (!joined.ok) {
    socket.disconnect();
    throw new Error(`could not join ${documentId}: ${joined.error.message}`);
  }
  return socket;
}

/** The Yjs update inside a sync step 2 or update message as it arrived (bytes, or base64 in a broadcast). */
export function syncPayload(bytes: unknown): Uint8Array {
  const message = readSyncMessageBytes(toBytes(bytes as WireBytes));
  if (!message || message.type === 'step1') throw new Error('not a sync step 2 or update message');
  return message.update;
}

/** The state vector inside a sync step 1 message as it arrived. */
export function syncStateVector(bytes: unknown): Uint8Array {
  const message = readSyncMessageBytes(toBytes(bytes as WireBytes));
  if (message?.type !== 'step1') throw new Error('not a sync step 1 message');
  return message.stateVector;
}

export interface PanelMember {
  user: Awaited<ReturnType<typeof buildUser>>;
  cookie: string;
}

/** A course, an evaluation in `status`, a coordinator and `reviewers` seated reviewers, all signed in. */
export async function buildPanel(db: Database, url: string, options: { status?: EvaluationState; reviewers?: number } = {}) {
  const signIn = async (role: Role, name?: string): Promise<PanelMember> => {
    const user = await buildUser(db, { role, name });
    const client = await signedIn(url, user.email);
    return { user, cookie: client.cookie };
  };
  const coordinator = await signIn('coordinator', 'Casey Coordinator');
  const course = await buildCourse(db);
  const evaluation = await buildEvaluation(db, { courseId: course.id, createdBy: coordinator.user.id, status: options.status ?? 'deliberation' });
  const reviewers: PanelMember[] = [];
  for (let index = 0; index < (options.reviewers ?? 2); index++) {
    const reviewer = await signIn('reviewer', `Reviewer ${index + 1}`);
    const seat = await seatReviewer(db, { evaluationId: evaluation.id, reviewerId: reviewer.user.id, seatedBy: coordinator.user.id, seatRole: index === 0 ? 'chair' : 'member' });
    reviewers.push({ ...reviewer, seat } as PanelMember & { seat: typeof seat });
  }
  return { course, evaluation, coordinator, reviewers: reviewers as (PanelMember & { seat: Awaited<ReturnType<typeof seatReviewer>> })[], documentId: worksheetDocumentId(evaluation.id), signIn };
}

/** A provider (the browser's own client code) on a fresh socket; resolves once it has joined. */
export async function openProvider(url: string, cookie: string, documentId: string, doc?: Y.Doc) {
  const socket = await connectSocket(url, cookie);
  const provider = new DocumentProvider(socket, documentId, doc);
  await eventually(() => provider.synced || provider.revoked !== null || undefined);
  return { socket, provider, close: () => (provider.destroy(), socket.disconnect()) };
}
