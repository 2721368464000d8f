import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestStack } from './stack.ts';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** kill -9, and wait until it is gone. */
  crash: () => Promise<void>;
  stop: () => Promise<void>;
}

/** The bundles `npm run build` writes and `npm start` runs (the test run's global setup rebuilds them from the sources). */
export const bundledEntries = {
  server: fileURLToPath(new URL('../../dist/server.mjs', import.meta.url)),
  worker: fileURLToPath(new URL('../../dist/worker.mjs', import.meta.url)),
};

/** Forks a Quorum process against the stack's database and Redis; resolves with its ready message. */
async function forkProcess(entry: string, stack: TestStack, env: Record<string, string>) {
  const child = fork(entry, [], {
    env: {
      ...process.env,
      DATABASE_URL: stack.database.url,
      REDIS_URL: stack.redis.url,
      QUEUE_PREFIX: stack.queuePrefix,
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    },
    stdio: 'inherit',
  });
  const ready = await new Promise<{ type?: string; url?: string }>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}`)));
  });
  const waitForExit = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    return exited;
  };
  return { ready, child, crash: () => waitForExit('SIGKILL'), stop: () => waitForExit('SIGTERM') };
}

/** Runs the server (`dist/server.mjs`, or `entry`) as its own process against the stack's database and Redis, on a free port. */
export async function startServerProcess(stack: TestStack, env: Record<string, string> = {}, entry = bundledEntries.server): Promise<ServerProcess> {
  const { ready, ...handle } = await forkProcess(entry, stack, env);
  if (!ready.url) throw new Error('the server process sent no url');
  return { url: ready.url, ...handle };
}

/** Runs a worker process (`entry`) against the stack's database and Redis; resolves once it is ready. */
export async function startWorkerProcess(stack: TestStack, entry: string, env: Record<string, string> = {}): Promise<Omit<ServerProcess, 'url'>> {
  const { ready, ...handle } = await forkProcess(entry, stack, env);
  if (ready.type !== 'ready') throw new Error('the worker process did not report ready');
  return handle;
}
