import { parse as parseCookies } from 'cookie';
import type { Socket } from 'socket.io';
import { createSessionFinder, type ActiveSession } from '../auth/sessions.ts';
import type { AppContext } from '../context.ts';
import { socketHandshakeSchema } from '../../shared/realtime/handshake.ts';
import type { QuorumIo } from './notifier.ts';
import { settleRestoredSession } from './recovery.ts';
import { rooms } from './rooms.ts';

export interface SocketData {
  session: ActiveSession;
}

/** Sockets whose page was loaded under a role its user no longer has: told so once connected (`endIfRoleChanged`). */
const startingOver = new WeakSet<Socket>();

/**
 * Ends a socket just connected for a page loaded under a role its user no longer has: tells it
 * (`session.ended`, `role_changed`: the page starts over, signed in still) and disconnects it, as
 * the periodic re-check does for one whose role changed while connected. True when it did.
 */
export function endIfRoleChanged(io: QuorumIo, socket: Socket): boolean {
  if (!startingOver.has(socket)) return false;
  // Sent locally (synchronously), as the re-check does: through the adapter it would arrive after the disconnect.
  io.local.to(socket.id).emit('session.ended', { reason: 'role_changed' });
  socket.disconnect(true);
  return true;
}

/** Socket.IO connections authenticate with the same session cookie as HTTP. */
export function socketAuth(app: AppContext) {
  const findSession = createSessionFinder(app.db);
  const authenticateSocket = async (socket: Socket, next: (error?: Error) => void) => {
    try {
      const token = parseCookies(socket.handshake.headers.cookie ?? '')[app.config.sessionCookie];
      const session = await findSession(token);
      if (!session) {
        const error = new Error('unauthenticated') as Error & { data?: unknown };
        error.data = { code: 'unauthenticated', message: 'Please sign in.' };
        return next(error);
      }
      const handshake = socketHandshakeSchema.safeParse(socket.handshake.auth ?? {});
      if (!handshake.success) {
        const error = new Error('validation_failed') as Error & { data?: unknown };
        error.data = { code: 'validation_failed', message: 'The connection\'s handshake is malformed.', details: handshake.error.issues };
        return next(error);
      }
      const restored: unknown = socket.data;
      socket.data = { session } satisfies SocketData;
      const own = [rooms.user(session.user.id), rooms.session(session.tokenHash)];
      const { roleChanged } = settleRestoredSession(socket, restored, session.user, own);
      // The page was loaded under another role (it missed the re-check's word while offline): it starts over.
      if (roleChanged || (handshake.data.pageRole !== undefined && handshake.data.pageRole !== session.user.role)) startingOver.add(socket);
      await socket.join(own);
      next();
    } catch (error) {
      app.logger.error({ err: error }, 'socket auth failed');
      next(new Error('internal'));
    }
  };
  return (socket: Socket, next: (error?: Error) => void): void => void authenticateSocket(socket, next);
}
