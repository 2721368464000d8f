import { untrack } from 'svelte';
import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import { io, type Socket } from 'socket.io-client';
import { isTransient, type ErrorBody } from '$shared/errors.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '$shared/realtime/events.ts';
import type { SocketHandshake } from '$shared/realtime/handshake.ts';
import type { Role } from '$shared/roles.ts';
import { session } from '$lib/session.svelte.ts';
import { hasUnsavedWork } from '$lib/unsavedWork.ts';

export type QuorumSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ServerEvent = keyof ServerToClientEvents;
export type ServerPayload<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];

let socket: QuorumSocket | null = null;

interface EvaluationWatcher {
  onSync: () => void;
  onError?: (error: ErrorBody) => void;
}
/** One room membership per evaluation, shared by every part of the page watching it; left when the last one stops. */
interface EvaluationWatch {
  watchers: Set<EvaluationWatcher>;
  joined: boolean;
  join: () => void;
}
const evaluationWatches = new Map<string, EvaluationWatch>();

/** After the server refused a connection (not the session): first retry, and the longest wait. */
const RECONNECT_MS = { first: 1_000, max: 30_000 };


function endSession(): void {
  closeSocket();
  session.clear();
  void goto(resolve('/login'));
}

/** How often a page waiting to start over under a new role looks whether its work is saved. */
const UNSAVED_POLL_MS = 300;

/** The page waiting to start over under a new role (see `startOverUnderNewRole`), if it is. */
let roleChangeWait: ReturnType<typeof setInterval> | null = null;

function stopWaitingForRoleChange(): void {
  if (roleChangeWait) clearInterval(roleChangeWait);
  roleChangeWait = null;
  session.roleChanged = false;
}

/**
 * The user's role changed: still signed in, but what this page may show and do was decided for the
 * old one, and the server ended the socket it had authorized for it. The page starts over (a reload)
 * at once, or, while it holds unsaved work, first connects again under the new role (the worksheet
 * rejoins and resends its edits, a draft saves as before) and reloads once all of it is saved; until
 * then the layout says so (what the new role may not save stays on screen, refused, to be copied).
 */
function startOverUnderNewRole(target: QuorumSocket): void {
  // Told: its connections from here on are the new role's (to save what it holds), not a page's to end again.
  pageRole = undefined;
  if (!hasUnsavedWork()) return location.reload();
  // The server disconnects it right after telling (a disconnect the client does not undo by itself).
  if (target.connected) target.once('disconnect', () => target.connect());
  else target.connect();
  if (roleChangeWait) return; // changed again: the page is already waiting
  session.roleChanged = true;
  roleChangeWait = setInterval(() => {
    if (hasUnsavedWork()) return;
    stopWaitingForRoleChange();
    location.reload();
  }, UNSAVED_POLL_MS);
}

/**
 * The role this page was loaded under, told to the server at every connect: a connection made after
 * the user's role changed (while the page was offline, so it missed the word) is ended with
 * `role_changed`, and the page starts over.
 */
let pageRole: Role | undefined;

/** The one socket of this tab, created on first use; it authenticates with the session cookie. */
export function getSocket(): QuorumSocket {
  if (socket) return socket;
  // Read untracked: the first call may come from a page's effect, which must not re-run when the session changes.
  pageRole = untrack(() => session.user?.role);
  const handshake = (): SocketHandshake => (pageRole ? { pageRole } : {});
  const created: QuorumSocket = io({ path: '/socket.io', withCredentials: true, auth: (callback) => callback(handshake()) });
  created.on('session.ended', ({ reason }) => (reason === 'role_changed' ? startOverUnderNewRole(created) : endSession()));
  let retryMs = RECONNECT_MS.first;
  created.on('connect', () => (retryMs = RECONNECT_MS.first));
  created.on('connect_error', (error) => {
    const data = (error as Error & { data?: unknown }).data;
    if (typeof data === 'object' && data !== null && (data as { code?: unknown }).code === 'unauthenticated') return endSession();
    // Socket.IO retries a lost connection itself, but not one the server refused (a database that
    // did not answer, too many connections open): try again, later each time.
    if (created.active) return;
    setTimeout(() => {
      if (socket === created && !created.connected) created.connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RECONNECT_MS.max);
  });
  socket = created;
  return created;
}

/** Drops the socket (on sign-out, or when the session ends) so the next user gets a fresh one. */
export function closeSocket(): void {
  // Signed out (or the session ended) while waiting to start over under a new role: nothing to wait for.
  stopWaitingForRoleChange();
  if (!socket) return;
  socket.removeAllListeners();
  socket.disconnect();
  socket = null;
  evaluationWatches.clear();
}

/** Listens to one server event; returns the function that stops listening. */
export function onServerEvent<E extends ServerEvent>(event: E, listener: (payload: ServerPayload<E>) => void): () => void {
  const target = getSocket();
  // Socket.IO's listener typing is not generic over a key union; the payload type is checked above.
  const handler = listener as unknown as ServerToClientEvents[E];
  target.on(event, handler as never);
  return () => {
    target.off(event, handler as never);
  };
}

/**
 * Joins the dashboard room on every (re)connect and calls `onSync` once joined, so the caller
 * refetches whatever it may have missed while disconnected. Returns the function that stops it.
 */
export function watchDashboard(onSync: () => void, onError?: (error: ErrorBody) => void): () => void {
  const target = getSocket();
  const join = () => {
    target.emit('dashboard.watch', {}, (response) => {
      if (response.ok) onSync();
      else onError?.(response.error);
    });
  };
  target.on('connect', join);
  if (target.connected) join();
  return () => {
    target.off('connect', join);
  };
}

/**
 * Watches one evaluation's room (its panel events: phase changes, reviews submitted, motions, votes,
 * panel changes). Joins on every (re)connect, the server checking `evaluation.read` each time, and
 * calls `onSync` once joined, so the caller refetches whatever it missed while disconnected (the full
 * resync; connection state recovery may also replay missed events). Parts of a page that watch the
 * same evaluation share one join. Returns the function that stops it.
 */
export function watchEvaluation(evaluationId: string, onSync: () => void, onError?: (error: ErrorBody) => void): () => void {
  const target = getSocket();
  const watcher: EvaluationWatcher = { onSync, onError };
  let watch = evaluationWatches.get(evaluationId);
  if (!watch) {
    const created: EvaluationWatch = { watchers: new Set(), joined: false, join: () => joinEvaluation(target, evaluationId, created) };
    evaluationWatches.set(evaluationId, created);
    target.on('connect', created.join);
    if (target.connected) created.join();
    watch = created;
  } else if (watch.joined) {
    // Already in the room: this newcomer syncs now (a join in flight syncs it when acked).
    queueMicrotask(onSync);
  }
  const shared = watch;
  shared.watchers.add(watcher);
  return () => {
    shared.watchers.delete(watcher);
    if (shared.watchers.size > 0 || evaluationWatches.get(evaluationId) !== shared) return;
    evaluationWatches.delete(evaluationId);
    target.off('connect', shared.join);
    if (target.connected) return void target.emit('evaluation.unwatch', { evaluationId }, () => {});
    // Left while offline: connection state recovery may put the socket back in the room as it
    // reconnects, so the unwatch goes then (unless the page watches it again meanwhile).
    target.once('connect', () => {
      if (!evaluationWatches.has(evaluationId)) target.emit('evaluation.unwatch', { evaluationId }, () => {});
    });
  };
}

/** Server events about one evaluation: every one of them carries its id. */
export type EvaluationEvent = { [E in ServerEvent]: ServerPayload<E> extends { evaluationId: string } ? E : never }[ServerEvent];

/**
 * Keeps a view of one evaluation live: watches its room (refreshing after every (re)join, which is
 * the catch-up path after being offline) and refreshes on each listed event about it; `onEvent`
 * hears which one. A watch refused for good (access ended while the page was offline, so it missed
 * `access.revoked`) refreshes too: the view's refetch meets the same refusal and shows it. Returns
 * the function that stops it.
 */
export function followEvaluation(
  evaluationId: string,
  events: readonly EvaluationEvent[],
  refresh: () => void,
  onEvent?: (event: EvaluationEvent) => void,
): () => void {
  const stops = events.map((name) =>
    onServerEvent(name, (payload) => {
      if ((payload as { evaluationId: string }).evaluationId !== evaluationId) return;
      refresh();
      onEvent?.(name);
    }),
  );
  stops.push(
    watchEvaluation(evaluationId, refresh, (error) => {
      if (!isTransient(error.code)) refresh();
    }),
  );
  return () => stops.forEach((stop) => stop());
}

function joinEvaluation(target: QuorumSocket, evaluationId: string, watch: EvaluationWatch): void {
  watch.joined = false;
  target.emit('evaluation.watch', { evaluationId }, (response) => {
    if (evaluationWatches.get(evaluationId) !== watch) return;
    watch.joined = response.ok;
    for (const watcher of watch.watchers) {
      if (response.ok) watcher.onSync();
      else watcher.onError?.(response.error);
    }
    if (!response.ok && isTransient(response.error.code)) {
      // Not a refusal of access: join again shortly (a reconnect joins anyway).
      setTimeout(() => {
        if (evaluationWatches.get(evaluationId) === watch && !watch.joined && target.connected) watch.join();
      }, 2_000);
    }
  });
}

/** Reports whether the socket is connected now and on every change; returns the unsubscribe. */
export function onConnectionChange(listener: (connected: boolean) => void): () => void {
  const target = getSocket();
  const up = () => listener(true);
  const down = () => listener(false);
  target.on('connect', up);
  target.on('disconnect', down);
  listener(target.connected);
  return () => {
    target.off('connect', up);
    target.off('disconnect', down);
  };
}
