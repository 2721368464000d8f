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

/** What a restored socket's data holds until its cookie is checked: who it was, and the events it missed, held back. */
interface RestoredSocketData extends PersistedSocketData {
  heldMissedPackets?: unknown[][];
}

/** The events a recovered socket missed, once its cookie showed the same user: sent by `replayMissedEvents`. */
const replays = new WeakMap<Socket, unknown[][]>();

/** socket.io-parser's `PacketType.EVENT`. */
const EVENT_PACKET = 2;

/**
 * Wraps an adapter factory for connection state recovery. A disconnected socket's data is persisted
 * (in Redis, for two minutes) as its user only. Every restored session passes `recheck` before
 * Socket.IO puts the socket back in its rooms; `recheck` edits the session in place; if it throws,
 * the restore fails and the client starts a fresh session (and resyncs by refetching). The events
 * it missed are held back: Socket.IO would send them at once, before any middleware has seen the
 * cookie. The auth middleware then runs as for any connection, replaces the data with the live
 * session and releases the missed events only to the same user (see `settleRestoredSession`).
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
      if (!session) return session;
      await recheck(session);
      const persisted = session.data as PersistedSocketData | null;
      const data: RestoredSocketData | null = persisted ? { ...persisted, heldMissedPackets: session.missedPackets } : null;
      return { ...session, data, missedPackets: [] };
    };
    return adapter;
  };
}

/**
 * Settles a recovered socket once its cookie has been checked (call from the auth middleware,
 * before joining the `own` rooms, with the data the restore gave the socket). If the cookie now
 * belongs to someone else (signed out and in as another user in the same browser, or a session id
 * replayed by another client), or to the same user under another role (changed while it was away:
 * its rooms were joined, and rechecked on restoring, for the old one, the dashboard's among them),
 * the socket keeps none of its restored rooms and gets none of the events its session missed: it
 * starts as a fresh connection of the user as they are now, who watches what they may see again.
 * The same user keeps them, except the user and session rooms of an older session, and gets the
 * missed events once every middleware has let the connection through (but not an older session's
 * end). `roleChanged`: the page behind it was loaded under the old role, and must start over.
 */
export function settleRestoredSession(socket: Socket, restoredData: unknown, user: Pick<SessionUser, 'id' | 'role'>, own: readonly string[]): { roleChanged: boolean } {
  if (!socket.recovered) return { roleChanged: false };
  const restored = restoredData as Partial<RestoredSocketData> | null;
  const roleChanged = restored?.session?.user.id === user.id && restored.session.user.role !== user.role;
  const sameUser = restored?.session?.user.id === user.id && !roleChanged;
  for (const room of [...socket.rooms]) {
    if (room === socket.id || own.includes(room)) continue;
    const identityRoom = room.startsWith(rooms.user('')) || room.startsWith(rooms.session(''));
    if (!sameUser || identityRoom) void socket.leave(room);
  }
  // A `session.ended` it missed was about a session that is over: the cookie just checked is a live
  // one (the same user signed in again), and the page would sign out on hearing it.
  const missed = (restored?.heldMissedPackets ?? []).filter(([event]) => event !== 'session.ended');
  if (sameUser && missed.length > 0) replays.set(socket, missed);
  return { roleChanged };
}

/**
 * The last middleware: sends a recovered socket the events it missed, as Socket.IO would have sent
 * them on restoring it (each packet's data is `[event, ...args, offset]`, so the client's recovery
 * offset moves on as usual). They go before the connection is confirmed, as Socket.IO sends them,
 * and the client delivers them right after `connect`.
 */
export function replayMissedEvents(socket: Socket, next: (error?: Error) => void): void {
  const missed = replays.get(socket);
  replays.delete(socket);
  // `packet` is how Socket.IO's own restore sends them; it is not in its public typings.
  const sendPacket = (socket as unknown as { packet: (packet: { type: number; data: unknown[] }) => void }).packet.bind(socket);
  for (const data of missed ?? []) sendPacket({ type: EVENT_PACKET, data });
  next();
}
