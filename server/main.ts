import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { createLogger } from './logger.ts';
import { startServer } from './server.ts';

// A server process: HTTP + Socket.IO. `npm start` runs one; at scale run N behind a load balancer.
const logger = createLogger('server');
try {
  const config = loadConfig();
  if (!config.DATABASE_URL || !config.REDIS_URL) {
    throw new ConfigError(['DATABASE_URL and REDIS_URL are required for a server process (npm start sets them).']);
  }
  // Every server process brings the schema up to date; the advisory lock lets N start at once.
  const migrator = openDatabase(config.DATABASE_URL, { max: 1 });
  await runMigrations(migrator);
  await migrator.close();
  const running = await startServer({ ...config, DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL }, { logger, queuePrefix: config.QUEUE_PREFIX });
  logger.info({ url: running.url }, 'server listening');
  process.send?.({ type: 'ready', url: running.url });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'server stopping');
    // Closing Redis connections rejects their pending blocking reads (adapter, queue events): expected now.
    process.on('unhandledRejection', (reason) => logger.debug({ err: reason }, 'rejection during shutdown'));
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
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
  logger.fatal({ err: error }, 'server failed to start');
  process.exit(1);
}
