import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPanel, connectSocket, emitAck } from '../test/support/documents.ts';
import { ApiClient } from '../test/support/http.ts';
import { startServerProcess, type ServerProcess } from '../test/support/processes.ts';
import { startTestStack, type TestStack } from '../test/support/stack.ts';
import { eventually } from '../test/support/wait.ts';

let stack: TestStack;
let other: ServerProcess;
let closed = false;

beforeAll(async () => {
  stack = await startTestStack();
  other = await startServerProcess(stack);
});
afterAll(async () => {
  await other.stop();
  if (!closed) await stack.close();
});

describe('graceful shutdown', () => {
  it('lets a request under way finish, and the event its commit emits still reach the other processes', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    // The coordinator follows the evaluation through the other process.
    const watcher = await connectSocket(other.url, panel.coordinator.cookie);
    expect((await emitAck(watcher, 'evaluation.watch', { evaluationId: panel.evaluation.id })).ok).toBe(true);
    const heard: unknown[] = [];
    watcher.on('panel.changed', (event) => heard.push(event));
    const reviewer = new ApiClient(stack.url);
    reviewer.cookie = panel.reviewers[0]!.cookie;
    reviewer.csrfToken = (await reviewer.get<{ csrfToken: string }>('/api/auth/session')).body.csrfToken;

    // The database is busy (a transaction holds it: PGlite serves one at a time) while the reviewer
    // declares a conflict and this process is told to stop.
    let release = () => {};
    const held = stack.database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await new Promise<void>((resolveHold) => (release = resolveHold));
    });
    const declared = reviewer.post(`/api/evaluations/${panel.evaluation.id}/conflicts`, { reason: 'I advised the course team last year.' });
    await sleep(1_000); // the request reaches the server and waits for the database
    const stopping = stack.server.close();
    await sleep(500);
    release();
    await held;
    expect((await declared).status).toBe(201);
    await eventually(() => heard.length === 1 || undefined, 50);
    expect(heard).toEqual([{ evaluationId: panel.evaluation.id }]);
    watcher.disconnect();
    await stopping;
    closed = true;
    await stack.redis.stop();
    await stack.database.stop();
  });
});
