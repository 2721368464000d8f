import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../server/infra/nodeFlags.ts';
import { connectHocuspocus } from './hocuspocusClient.ts';
import type { Target } from './workload.ts';

/** Starts Hocuspocus 4.7 (default configuration) in its own process, under the same V8 flags as Quorum's server. */
export async function startHocuspocusTarget(): Promise<Target & { stop: () => Promise<void> }> {
  const child = fork(fileURLToPath(new URL('./hocuspocusServer.mjs', import.meta.url)), [], { stdio: 'inherit', execArgv: nodeFlags() });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`hocuspocus exited with ${code}`)));
  });
  let documents = 0;
  return {
    name: 'hocuspocus 4.7',
    pids: [child.pid!],
    nextDocument: () => `bench-${++documents}`,
    connect: (_index, documentName, onUpdate) => connectHocuspocus({ url: `ws://127.0.0.1:${port}`, documentName, onUpdate }),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
