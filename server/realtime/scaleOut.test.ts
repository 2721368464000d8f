import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { Evaluation } from '../../shared/schemas/evaluation.ts';
import { buildCourse, buildUser } from '../../test/support/factories.ts';
import { signedIn, type ApiClient } from '../../test/support/http.ts';
import { startServerProcess, type ServerProcess } from '../../test/support/processes.ts';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';

let stack: TestStack;
const servers: ServerProcess[] = [];
const sockets: Socket[] = [];

async function watchDashboard(url: string, client: ApiClient): Promise<Socket> {
  const socket = connect(url, { transports: ['websocket'], extraHeaders: { cookie: client.cookie } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', resolve);
    socket.on('connect_error', reject);
  });
  expect(await socket.emitWithAck('dashboard.watch', {})).toMatchObject({ ok: true });
  return socket;
}

beforeAll(async () => {
  stack = await startTestStack({ workers: true });
  servers.push(...(await Promise.all([startServerProcess(stack), startServerProcess(stack), startServerProcess(stack)])));
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all(servers.map((server) => server.stop()));
  await stack.close();
});

describe('three server processes behind one Redis and one database', () => {
  it('pushes a live event committed on one process to sockets on every process, once each', async () => {
    const [creatorUser, ...watcherUsers] = await Promise.all([0, 1, 2].map(() => buildUser(stack.database.db, { role: 'coordinator' })));
    const course = await buildCourse(stack.database.db);
    // Sessions live in the database, so a login on one process is valid on all of them.
    const creator = await signedIn(servers[0]!.url, creatorUser!.email);
    const watchers = await Promise.all(
      watcherUsers.map(async (user, index) => watchDashboard(servers[index + 1]!.url, await signedIn(servers[0]!.url, user!.email))),
    );
    const received = watchers.map(() => [] as string[]);
    watchers.forEach((socket, index) => socket.on('evaluation.created', (event: { evaluationId: string }) => received[index]!.push(event.evaluationId)));
    const jobsDone = watchers.map(
      (socket) =>
        new Promise<string>((resolve) =>
          socket.on('job.updated', (event: { evaluationId: string; job: { state: string } }) => {
            if (event.job.state === 'done') resolve(event.evaluationId);
          }),
        ),
    );

    const created = await creator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId: course.id });
    expect(created.status).toBe(201);
    const id = created.body.evaluation.id;
    // Each process relays the worker's queue events to its own sockets.
    expect(await Promise.all(jobsDone)).toEqual([id, id]);
    expect(received).toEqual([[id], [id]]);
  });
});
