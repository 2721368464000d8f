import { parse as parseCookies } from 'cookie';
import type { Socket } from 'socket.io';
import { createSessionFinder, type ActiveSession } from '../auth/sessions.ts';
import type { AppContext } from '../context.ts';
import { settleRestoredSession } from './recovery.ts';
import { rooms } from './rooms.ts';

export interface SocketData {
  session: ActiveSession;
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
      const restored: unknown = socket.data;
      socket.data = { session } satisfies SocketData;
      const own = [rooms.user(session.user.id), rooms.session(session.tokenHash)];
      settleRestoredSession(socket, restored, session.user.id, own);
      await socket.join(own);
      next();
    } catch (error) {
      app.logger.error({ err: error }, 'socket auth failed');
      next(new Error('internal'));
    }
  };
  return (socket: Socket, next: (error?: Error) => void): void => void authenticateSocket(socket, next);
}
