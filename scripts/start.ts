import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/client.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../server/db/embeddedPostgres.ts';
import { runMigrations } from '../server/db/migrate.ts';
import { nodeFlags } from '../server/infra/nodeFlags.ts';
import { startLocalRedis, type LocalRedis } from '../server/infra/redisServer.ts';
import { createLogger } from '../server/logger.ts';
import { DEMO_PASSWORD, demoUsers } from '../server/seed/demoData.ts';
import { demoDeliberation, seedDemoDeliberationWith } from '../server/seed/demoDeliberation.ts';
import { seedDemo } from '../server/seed/seedDemo.ts';
import { bundle } from './bundle.ts';

// `npm start`: one command that runs the whole console on embedded defaults, supervised.
// `npm run dev` (--dev): the same, but the server and workers restart on change and Vite serves
// the pages with hot reload, proxying /api and Socket.IO to the server on PORT + 1.
const dev = process.argv.includes('--dev');
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const logger = createLogger('launcher');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/** True when the build stamped by `stamp` is older than any of `sources` (or missing). */
function isStale(stamp: string, sources: string[]): boolean {
  return !existsSync(stamp) || statSync(stamp).mtimeMs < Math.max(...sources.map((path) => newestMtime(join(root, path))));
}

/** Rebuilds the SvelteKit pages, and the server and worker bundles, when their sources are newer than the last build. */
async function buildIfStale(): Promise<void> {
  const pagesStamp = join(root, 'build', '.quorum-built');
  if (isStale(pagesStamp, ['app', 'shared', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'])) {
    console.log('[quorum] building the console pages…');
    for (const [tool, args] of [
      ['node_modules/@sveltejs/kit/svelte-kit.js', ['sync']],
      ['node_modules/vite/bin/vite.js', ['build', '--logLevel', 'warn']],
    ] as const) {
      const result = spawnSync(process.execPath, [join(root, tool), ...args], { cwd: root, stdio: 'inherit' });
      if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed`);
    }
    writeFileSync(pagesStamp, new Date().toISOString());
  }
  const bundleStamp = join(root, 'dist', '.quorum-built');
  if (isStale(bundleStamp, ['server', 'workers', 'shared', 'scripts/bundle.ts', 'package-lock.json'])) {
    console.log('[quorum] bundling the server and worker…');
    await bundle();
    writeFileSync(bundleStamp, new Date().toISOString());
  }
}

interface Supervised {
  name: string;
  child: ChildProcess | null;
  stopping: boolean;
}

/** Runs a Node child and restarts it (with backoff) if it dies on its own. */
function supervise(name: string, script: string, env: NodeJS.ProcessEnv, execArgv: string[] = [], args: string[] = []): Supervised {
  const state: Supervised = { name, child: null, stopping: false };
  let restarts = 0;
  const launch = () => {
    const startedAt = Date.now();
    const child = fork(join(root, script), args, { cwd: root, env, stdio: 'inherit', execArgv });
    state.child = child;
    child.on('exit', (code, signal) => {
      if (state.stopping) return;
      restarts = Date.now() - startedAt > 30_000 ? 0 : restarts + 1;
      const delay = Math.min(30_000, 500 * 2 ** restarts);
      logger.warn({ name, code, signal, restartInMs: delay }, 'process exited; restarting');
      setTimeout(launch, delay).unref();
    });
  };
  launch();
  return state;
}

async function stopChild(state: Supervised): Promise<void> {
  state.stopping = true;
  const child = state.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(12_000).then(() => child.kill('SIGKILL'))]);
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (!dev) await buildIfStale();

  let redis: LocalRedis | null = null;
  let postgres: EmbeddedPostgres | null = null;
  const redisUrl = config.REDIS_URL ?? (redis = await startLocalRedis({ dataDir: join(config.dataDir, 'redis') })).url;
  const databaseUrl = config.DATABASE_URL ?? (postgres = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'pglite') })).url;

  const database = openDatabase(databaseUrl, { max: 2 });
  await runMigrations(database);
  const seeded = config.SEED_DEMO ? await seedDemo(database.db) : false;
  // A fresh demo also has one evaluation in deliberation: its live worksheet can be opened at once.
  if (seeded) await seedDemoDeliberationWith({ config, logger, db: database.db, redisUrl });
  await database.close();

  const env = { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl };
  const watch = dev ? ['--watch-path=server', '--watch-path=shared', '--watch-path=workers'] : [];
  const apiPort = dev ? config.PORT + 1 : config.PORT;
  // Bundles normally; the sources (restarted on change) in dev.
  const [serverEntry, workerEntry] = dev ? ['server/main.ts', 'workers/main.ts'] : ['dist/server.mjs', 'dist/worker.mjs'];
  const server = supervise('server', serverEntry, { ...env, PORT: String(apiPort) }, [...nodeFlags(), ...watch]);
  const worker = supervise('worker', workerEntry, env, [...nodeFlags(), ...watch]);
  const vite = dev
    ? supervise('vite', 'node_modules/vite/bin/vite.js', { ...env, QUORUM_DEV_API: `http://127.0.0.1:${apiPort}` }, [], [
        'dev',
        '--port',
        String(config.PORT),
        '--host',
        config.HOST,
        '--strictPort',
      ])
    : null;

  let watchdog: NodeJS.Timeout | null = null;
  if (redis) {
    const localRedis = redis;
    // Keep the private redis-server alive on the same port: queues resume from its append-only file.
    watchdog = setInterval(() => {
      if (localRedis.process.exitCode === null && localRedis.process.signalCode === null) return;
      logger.warn('redis-server exited; restarting');
      void startLocalRedis({ dataDir: join(config.dataDir, 'redis'), port: localRedis.port })
        .then((restarted) => (redis = restarted))
        .catch((error: unknown) => logger.error({ err: error }, 'redis-server restart failed'));
    }, 2_000);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\n[quorum] stopping…');
    if (watchdog) clearInterval(watchdog);
    await Promise.all([stopChild(server), stopChild(worker), ...(vite ? [stopChild(vite)] : [])]);
    await postgres?.stop();
    await redis?.stop();
    console.log('[quorum] stopped.');
    process.exit(0);
  };
  // Before anything is awaited: a signal that comes while the server starts must stop the children
  // too, not leave them (and redis-server) running without the launcher.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  if (dev) {
    // Under --watch the server is a grandchild whose IPC messages do not reach us: ask it.
    await untilAnswers(`http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${apiPort}/healthz`, () => stopping);
  } else {
    await new Promise<void>((ready) => {
      server.child?.once('message', () => ready());
      server.child?.once('exit', () => ready());
    });
  }
  if (!stopping) printWelcome(config.publicUrl, seeded);
}

/** Resolves once `url` answers 200 (or `givenUp` says to stop asking). */
async function untilAnswers(url: string, givenUp: () => boolean): Promise<void> {
  while (!givenUp()) {
    const answered = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return;
    await sleep(250);
  }
}

function printWelcome(url: string, seeded: boolean): void {
  const width = Math.max(...demoUsers.map((user) => user.email.length));
  console.log(`\n  Quorum is running at ${url}\n`);
  console.log(`  Demo logins (password for all: ${DEMO_PASSWORD})${seeded ? ' — demo data seeded just now' : ''}:`);
  for (const user of demoUsers) console.log(`    ${user.email.padEnd(width)}  ${user.role.padEnd(11)} ${user.name}`);
  if (seeded) {
    const [chair, ...others] = demoDeliberation.panel;
    console.log(`\n  "Calculus: Single Variable" starts in deliberation: sign in as ${chair.email} (chair) and`);
    console.log(`  ${others.map((seat) => seat.email).join(' or ')} in two windows and open its worksheet together.`);
  }
  console.log('\n  Press Ctrl-C to stop.\n');
}

try {
  await main();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`[quorum] ${error.message}`);
    process.exit(2);
  }
  console.error('[quorum] could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
}
