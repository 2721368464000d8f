import { loadConfig, ConfigError } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startWorkers } from './runner.ts';

// A worker process: BullMQ processors against the same PostgreSQL and Redis as the servers.
const logger = createLogger('worker');
try {
  const config = loadConfig();
  if (!config.DATABASE_URL || !config.REDIS_URL) {
    throw new ConfigError(['DATABASE_URL and REDIS_URL are required for a worker process (npm start sets them).']);
  }
  const running = await startWorkers({
    databaseUrl: config.DATABASE_URL,
    redisUrl: config.REDIS_URL,
    logger,
    concurrency: config.WORKER_CONCURRENCY,
    stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
    lockDurationMs: config.WORKER_LOCK_DURATION_MS,
    slowMs: config.QUORUM_SLOW_JOBS_MS,
    prefix: config.QUEUE_PREFIX,
  });
  logger.info('workers ready');
  process.send?.({ type: 'ready' });
  const stop = async (signal: string) => {
    logger.info({ signal }, 'worker stopping');
    await running.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  logger.fatal({ err: error }, 'worker failed to start');
  process.exit(1);
}
