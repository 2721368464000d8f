import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestStack } from './stack.ts';

const serverEntry = fileURLToPath(new URL('../../server/main.ts', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** kill -9, and wait until it is gone. */
  crash: () => Promise<void>;
  stop: () => Promise<void>;
}

/** Runs `node server/main.ts` as its own process against the stack's database and Redis, on a free port. */
export async function startServerProcess(stack: TestStack, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = fork(serverEntry, [], {
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
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { type?: string; url?: string }) => (message.url ? resolve(message.url) : reject(new Error('no url'))));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  const waitForExit = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    return exited;
  };
  return { url, child, crash: () => waitForExit('SIGKILL'), stop: () => waitForExit('SIGTERM') };
}
