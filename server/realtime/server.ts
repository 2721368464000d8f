import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { AppContext } from '../context.ts';
import { enqueueDocumentCompaction } from '../queues/queues.ts';
import { endIfRoleChanged, socketAuth } from './auth.ts';
import { DocumentHub } from './documents/hub.ts';
import { limitConnectionsPerUser } from './documents/limits.ts';
import { createDocumentRelay, type DocumentRelay } from './documents/relay.ts';
import { recheckRecoveredEvaluationRooms } from './evaluationRoom.ts';
import { createNotifier, type QuorumIo } from './notifier.ts';
import { recheckRestoredSessions, replayMissedEvents } from './recovery.ts';
import { ownOriginGuard } from '../http/middleware.ts';
import { registerSocketHandlers } from './registry.ts';
import { startSocketSweep } from './socketSweep.ts';

/** The largest Socket.IO message accepted: 1 MB, or more when DOC_MAX_UPDATE_BYTES needs it. */
export function maxSocketMessageBytes(maxUpdateBytes: number): number {
  return Math.max(1_000_000, Math.ceil((maxUpdateBytes + 16) / 3) * 4 + 64 * 1024);
}

/**
 * A browser opening a socket from another origin is refused, as HTTP refuses its state-changing
 * requests (see `ownOriginGuard`): the session cookie (SameSite=Lax) would go along from a sibling
 * site. Clients that send no Origin (not browsers) pass; the session cookie still decides who they are.
 */
export function sameOriginHandshake(publicUrl: string) {
  const fromOwnOrigin = ownOriginGuard(publicUrl);
  return (req: { headers: { origin?: string; host?: string } }, callback: (error: string | null | undefined, success: boolean) => void): void => {
    const allowed = fromOwnOrigin(req.headers);
    callback(allowed ? null : 'forbidden origin', allowed);
  };
}

/**
 * Attaches Socket.IO to the HTTP server and gives the app its notifier. Rooms span every server
 * process through the Redis Streams adapter: unlike the pub/sub adapters it resumes the stream after
 * a Redis blip without losing packets, and it stores sessions for connection state recovery.
 */
export function attachRealtime(
  app: AppContext,
  httpServer: HttpServer,
  adapterClient: Redis,
  prefix: string,
): { io: QuorumIo; relay: DocumentRelay; sweep: ReturnType<typeof startSocketSweep>; relayAnnounced: Promise<void> } {
  const io: QuorumIo = new Server(httpServer, {
    serveClient: false,
    allowRequest: sameOriginHandshake(app.config.publicUrl),
    // Room for the largest update a client may send, as base64 text in its packet: a bigger message
    // would close the connection instead of getting its `payload_too_large` ack.
    maxHttpBufferSize: maxSocketMessageBytes(app.config.DOC_MAX_UPDATE_BYTES),
    // Middlewares run on recovery too: they check the cookie, and the last one replays the missed events.
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    // A restored session keeps only the evaluation rooms its user may still read (fresh policy check).
    adapter: recheckRestoredSessions(
      createAdapter(adapterClient, { streamName: `${prefix}:socket.io`, sessionKeyPrefix: `${prefix}:sio:session:` }),
      (session) => recheckRecoveredEvaluationRooms(app.db, session),
      app.logger,
    ),
  });
  io.use(socketAuth(app));
  io.use(limitConnectionsPerUser(app.config));
  io.use(replayMissedEvents);
  io.on('connection', (socket) => {
    if (!endIfRoleChanged(io, socket)) registerSocketHandlers(app, socket);
  });
  app.notify = createNotifier(io);
  // The adapter's client publishes relays too: with no retry limit, what is sent while Redis is away goes once it is back.
  const relay = createDocumentRelay({ publisher: adapterClient, channel: `${prefix}:documents`, logger: app.logger });
  app.documents = new DocumentHub({
    io,
    db: app.db,
    logger: app.logger,
    config: app.config,
    requestCompaction: (documentId) => enqueueDocumentCompaction(app.queues, documentId),
    relay,
  });
  const relayAnnounced = relayDocumentsAcrossProcesses(relay, app.documents, app);
  const sweep = startSocketSweep({ io, db: app.db, logger: app.logger, intervalMs: app.config.SOCKET_RECHECK_MS });
  return { io, relay, sweep, relayAnnounced };
}

/**
 * Every process holding a document applies the updates other processes stored and the presence
 * changes of their sockets, and re-checks its sockets when access changes elsewhere. Each time
 * the relay's subscription is (again) in place, the held documents catch up from storage: what was
 * published during a break is lost, but every relayed update was stored first. A process that
 * does not hold the document reads it from storage when it loads it.
 */
function relayDocumentsAcrossProcesses(relay: DocumentRelay, hub: DocumentHub, app: AppContext): Promise<void> {
  return relay.listen({
    message: (message) => {
      if (message.type === 'stored') hub.applyStoredUpdate(message.documentId, message.update);
      else if (message.type === 'presence') hub.applyRemotePresence(message.documentId, message.update);
      else if (message.type === 'presence-request') hub.answerPresenceRequest(message.documentId);
      else if (message.type === 'recheck') hub.recheckAccess(message.evaluationId).catch((error: unknown) => app.logger.warn({ err: error, evaluationId: message.evaluationId }, 'access re-check failed'));
    },
    missed: () => {
      hub.catchUp().catch((error: unknown) => app.logger.warn({ err: error }, 'document catch-up failed'));
    },
  });
}
