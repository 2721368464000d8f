import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { AppContext } from '../context.ts';
import { socketAuth } from './auth.ts';
import { createNotifier, type QuorumIo } from './notifier.ts';
import { registerSocketHandlers } from './registry.ts';

/** Attaches Socket.IO to the HTTP server and gives the app its notifier. */
export function attachRealtime(app: AppContext, httpServer: HttpServer): QuorumIo {
  const io: QuorumIo = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 1_000_000,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
  });
  io.use(socketAuth(app));
  io.on('connection', (socket) => registerSocketHandlers(app, socket));
  app.notify = createNotifier(io);
  return io;
}
