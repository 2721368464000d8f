import { createServer, type Server as HttpServer } from 'node:http';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RequestHandler } from 'express';
import { Redis } from 'ioredis';
import { createLoginLimiter, loginLimits } from './auth/loginLimiter.ts';
import { purgeExpiredSessions } from './auth/sessions.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { openDatabase } from './db/client.ts';
import { createHttpApp } from './http/app.ts';
import { createLogger, type Logger } from './logger.ts';
import { createQueues, requeuePendingJobs } from './queues/queues.ts';
import { relayJobEvents } from './realtime/jobEvents.ts';
import { silentNotifier } from './realtime/notifier.ts';
import { attachRealtime } from './realtime/server.ts';

export interface RunningServer {
  url: string;
  port: number;
  app: AppContext;
  httpServer: HttpServer;
  close: () => Promise<void>;
}

const defaultHandlerPath = fileURLToPath(new URL('../build/handler.js', import.meta.url));

/** Loads the SvelteKit adapter-node handler from the build, if there is one. */
export async function loadPagesHandler(path = defaultHandlerPath): Promise<RequestHandler | undefined> {
  if (!existsSync(path)) return undefined;
  const module = (await import(pathToFileURL(path).href)) as { handler: RequestHandler };
  return module.handler;
}

/** How long a starting server waits for its document relay to be subscribed and announced before taking connections anyway. */
const RELAY_ANNOUNCE_WAIT_MS = 5_000;

/** Starts one server process's worth of Quorum: HTTP + Socket.IO on one port. */
export async function startServer(
  config: Config & { DATABASE_URL: string; REDIS_URL: string },
  options: { logger?: Logger; pages?: RequestHandler | null; queuePrefix?: string } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger('server', config.LOG_LEVEL);
  const database = openDatabase(config.DATABASE_URL, { max: 10 });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
  const prefix = options.queuePrefix ?? config.QUEUE_PREFIX;
  const queues = createQueues(config.REDIS_URL, prefix);
  const app: AppContext = {
    config,
    logger,
    db: database.db,
    redis,
    queues,
    loginLimiter: createLoginLimiter(redis, loginLimits(config)),
    notify: silentNotifier,
    documents: null,
  };
  let shuttingDown = false;
  const pages = options.pages === null ? undefined : (options.pages ?? (await loadPagesHandler()));
  const httpServer = createServer(createHttpApp(app, { pages, isShuttingDown: () => shuttingDown }));
  const adapterRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  adapterRedis.on('error', (error) => logger.warn({ err: error }, 'socket.io adapter redis error'));
  const { io, relay, sweep, relayAnnounced } = attachRealtime(app, httpServer, adapterRedis, prefix);
  const jobEvents = relayJobEvents(app, config.REDIS_URL, prefix);
  // The other server processes know this one before it takes a socket (see DocumentRelay.listen);
  // with Redis down at start it goes on after a while, and is known once Redis is back.
  const announcedInTime = await Promise.race([relayAnnounced.then(() => true), sleep(RELAY_ANNOUNCE_WAIT_MS, undefined, { ref: false }).then(() => false)]);
  if (!announcedInTime) logger.warn('the document relay is not subscribed yet (Redis?); taking connections anyway');

  await new Promise<void>((resolveListen, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.PORT, config.HOST, () => resolveListen());
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;

  const housekeeping = setInterval(() => {
    void (async () => {
      try {
        const requeued = await requeuePendingJobs(app.db, queues, 30_000);
        if (requeued > 0) logger.info({ requeued }, 're-enqueued pending jobs');
        // Their sockets, on every process, are told and disconnected now (the socket sweep would, later).
        for (const tokenHash of await purgeExpiredSessions(app.db)) app.notify.sessionEnded(tokenHash, 'expired');
      } catch (error) {
        logger.warn({ err: error }, 'housekeeping failed');
      }
    })();
  }, 30_000);
  housekeeping.unref();

  return {
    url,
    port,
    app,
    httpServer,
    close: async () => {
      shuttingDown = true;
      clearInterval(housekeeping);
      sweep.stop();
      // Each step is bounded: a shutdown must finish even when Redis or the database is gone.
      // Queued document updates are stored (and acked) before the sockets go.
      relay.close();
      const stored = await bounded(app.documents?.close() ?? Promise.resolve(), logger, 'documents');
      // A goodbye tells the others that everything this process stored has been relayed: not so
      // while an insert may still commit after it (then they catch up, as after a crash).
      if (stored) await bounded(relay.farewell(), logger, 'document relay farewell');
      await bounded(io.close(), logger, 'socket.io');
      httpServer.closeAllConnections();
      await bounded(jobEvents.close(), logger, 'queue events');
      await bounded(queues.close(), logger, 'queues');
      redis.disconnect();
      adapterRedis.disconnect();
      await bounded(database.close(), logger, 'database');
    },
  };
}

/** Waits for `work` for at most `ms`; true when it finished (a timeout or failure is logged). */
async function bounded(work: Promise<unknown>, logger: Logger, what: string, ms = 3_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const outcome = await Promise.race([work.then(() => 'done' as const, () => 'failed' as const), timeout]);
  clearTimeout(timer);
  if (outcome !== 'done') logger.warn({ what, outcome }, 'shutdown step did not finish cleanly');
  return outcome === 'done';
}
