import type { Socket } from 'socket.io';
import type { SessionUser } from '../auth/sessions.ts';
import type { Logger } from '../logger.ts';
import type { SocketData } from './auth.ts';
import { rooms } from './rooms.ts';

/** A session as the adapter restores it for connection state recovery: its rooms and the packets it missed. */
export interface RecoveredSession {
  rooms: string[];
  data: unknown;
  /** Each packet's data: `[event, payload, offset]`. */
  missedPackets: unknown[][];
}

interface RestoresSessions {
  restoreSession: (pid: string, offset: string) => Promise<RecoveredSession>;
  persistSession: (session: { data: unknown }) => unknown;
}

/** What a disconnected socket's session keeps for recovery: who it was, nothing else (no CSRF token, no session hash). */
export interface PersistedSocketData {
  session: { user: SessionUser };
}

/**
 * Wraps an adapter factory for connection state recovery. A disconnected socket's data is persisted
 * (in Redis, for two minutes) as its user only. Every restored session passes `recheck` before
 * Socket.IO puts the socket back in its rooms and replays what it missed; `recheck` edits the
 * session in place; if it throws, the restore fails and the client starts a fresh session (and
 * resyncs by refetching). The auth middleware then runs as for any connection and replaces the data
 * with the live session (see `settleRestoredRooms`).
 */
export function recheckRestoredSessions<Nsp, A extends RestoresSessions>(
  factory: (nsp: Nsp) => A,
  recheck: (session: RecoveredSession) => Promise<void>,
  logger: Pick<Logger, 'warn'>,
): (nsp: Nsp) => A {
  // Socket.IO calls the factory with `new`: a plain function (not an arrow) that returns the adapter.
  return function restoringAdapter(nsp: Nsp): A {
    const adapter = factory(nsp);
    const restore = adapter.restoreSession.bind(adapter);
    const persist = adapter.persistSession.bind(adapter);
    adapter.persistSession = (session) => {
      const user = (session.data as Partial<SocketData> | null)?.session?.user;
      const data: PersistedSocketData | null = user ? { session: { user } } : null;
      // Socket.IO does not wait for this (nor catch it): a Redis error reply must not become an
      // unhandled rejection. Without the saved session the client just resyncs in full.
      return Promise.resolve(persist({ ...session, data })).catch((error: unknown) => logger.warn({ err: error }, 'could not save a socket session for recovery'));
    };
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      await recheck(session);
      return session;
    };
    return adapter;
  };
}

/**
 * Settles a recovered socket's restored rooms once its cookie has been checked: if the cookie now
 * belongs to someone else (signed out and in as another user in the same browser, or a session id
 * replayed by another client), it keeps none of them and starts as a fresh connection of the new
 * user, who watches what they may see again; the same user keeps them, except the user and session
 * rooms of an older session. Call from the auth middleware, before joining the `own` rooms.
 */
export function settleRestoredRooms(socket: Socket, restoredUserId: string | undefined, userId: string, own: readonly string[]): void {
  if (!socket.recovered) return;
  const sameUser = restoredUserId === userId;
  for (const room of [...socket.rooms]) {
    if (room === socket.id || own.includes(room)) continue;
    const identityRoom = room.startsWith(rooms.user('')) || room.startsWith(rooms.session(''));
    if (!sameUser || identityRoom) void socket.leave(room);
  }
}
