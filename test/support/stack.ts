import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../server/config.ts';
import { createLogger, type Logger } from '../../server/logger.ts';
import { startLocalRedis, type LocalRedis } from '../../server/infra/redisServer.ts';
import { loadPagesHandler, startServer, type RunningServer } from '../../server/server.ts';
import { seedDemo } from '../../server/seed/seedDemo.ts';
import { startWorkers } from '../../workers/runner.ts';
import { startTestDatabase, type TestDatabase } from './database.ts';

export interface TestStack {
  url: string;
  server: RunningServer;
  database: TestDatabase;
  redis: LocalRedis;
  config: Config & { DATABASE_URL: string; REDIS_URL: string };
  queuePrefix: string;
  close: () => Promise<void>;
}

export interface StackOptions {
  /** Run the BullMQ workers inside the test process. */
  workers?: boolean;
  /** Serve the built SvelteKit pages (browser tests). */
  pages?: boolean;
  /** Seed the demo data (courses, users). */
  seed?: boolean;
  database?: 'pglite' | 'postgresql';
  env?: Record<string, string>;
  /** Where the server logs (default: silent, or TEST_LOG_LEVEL). */
  logger?: Logger;
}

/** A real Quorum on loopback: redis-server, PGlite (or PostgreSQL), HTTP + Socket.IO on port 0. */
export async function startTestStack(options: StackOptions = {}): Promise<TestStack> {
  const redis = await startLocalRedis();
  const database = await startTestDatabase(options.database);
  if (options.seed) await seedDemo(database.db);
  const config = {
    ...loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...options.env }),
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
  };
  const logger = options.logger ?? createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const queuePrefix = config.QUEUE_PREFIX === 'quorum' ? `test-${randomBytes(4).toString('hex')}` : config.QUEUE_PREFIX;
  const pages = options.pages ? await loadPagesHandler() : null;
  if (options.pages && !pages) throw new Error('build/handler.js is missing: run `npm run build` first');
  const server = await startServer(config, { logger, pages, queuePrefix });
  const workers = options.workers
    ? await startWorkers({
        databaseUrl: database.url,
        redisUrl: redis.url,
        logger,
        concurrency: 2,
        stalledIntervalMs: 30_000,
        lockDurationMs: 30_000,
        prefix: queuePrefix,
      })
    : null;
  return {
    url: server.url,
    server,
    database,
    redis,
    config,
    queuePrefix,
    close: async () => {
      await workers?.close();
      await server.close();
      await database.stop();
      await redis.stop();
    },
  };
}
