import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { AppContext } from '../context.ts';
import { socketAuth } from './auth.ts';
import { createNotifier, type QuorumIo } from './notifier.ts';
import { registerSocketHandlers } from './registry.ts';

/**
 * Attaches Socket.IO to the HTTP server and gives the app its notifier. Rooms span every server
 * process through the Redis Streams adapter: unlike the pub/sub adapters it resumes the stream after
 * a Redis blip without losing packets, and it stores sessions for connection state recovery.
 */
export function attachRealtime(app: AppContext, httpServer: HttpServer, adapterClient: Redis, prefix: string): QuorumIo {
  const io: QuorumIo = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 1_000_000,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    adapter: createAdapter(adapterClient, { streamName: `${prefix}:socket.io`, sessionKeyPrefix: `${prefix}:sio:session:` }),
  });
  io.use(socketAuth(app));
  io.on('connection', (socket) => registerSocketHandlers(app, socket));
  app.notify = createNotifier(io);
  return io;
}
