import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { AppContext } from '../context.ts';
import { enqueueDocumentCompaction } from '../queues/queues.ts';
import { socketAuth } from './auth.ts';
import { DocumentHub } from './documents/hub.ts';
import { limitConnectionsPerUser } from './documents/limits.ts';
import { recheckRecoveredEvaluationRooms } from './evaluationRoom.ts';
import { createNotifier, type QuorumIo } from './notifier.ts';
import { recheckRestoredSessions } from './recovery.ts';
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
    // A restored session keeps only the evaluation rooms its user may still read (fresh policy check).
    adapter: recheckRestoredSessions(
      createAdapter(adapterClient, { streamName: `${prefix}:socket.io`, sessionKeyPrefix: `${prefix}:sio:session:` }),
      (session) => recheckRecoveredEvaluationRooms(app.db, session),
    ),
  });
  io.use(socketAuth(app));
  io.use(limitConnectionsPerUser(app.config));
  io.on('connection', (socket) => registerSocketHandlers(app, socket));
  app.notify = createNotifier(io);
  app.documents = new DocumentHub({
    io,
    db: app.db,
    logger: app.logger,
    config: app.config,
    requestCompaction: (documentId) => enqueueDocumentCompaction(app.queues, documentId),
  });
  relayDocumentsAcrossProcesses(io, app.documents, app);
  return io;
}

/**
 * Every process holding a document applies the updates other processes stored and the presence
 * changes of their sockets, and re-checks its sockets when access changes elsewhere. The streams adapter resumes after a Redis blip without
 * losing these messages; a process that never held the document reads it from the database.
 */
function relayDocumentsAcrossProcesses(io: QuorumIo, hub: DocumentHub, app: AppContext): void {
  io.on('doc.stored', ({ documentId, update }) => {
    hub.applyStoredUpdate(documentId, update instanceof Uint8Array ? update : new Uint8Array(update));
  });
  io.on('doc.presence', ({ documentId, update }) => {
    hub.applyRemotePresence(documentId, update instanceof Uint8Array ? update : new Uint8Array(update));
  });
  io.on('doc.recheck', ({ evaluationId }) => {
    hub.recheckAccess(evaluationId).catch((error: unknown) => app.logger.warn({ err: error, evaluationId }, 'access re-check failed'));
  });
}
