import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobKinds } from '../../shared/schemas/jobs.ts';
import { buildPanel, connectSocket, emitAck } from '../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';
import { eventually } from '../../test/support/wait.ts';
import { jobs } from '../db/schema.ts';

let stack: TestStack;
const closers: (() => void)[] = [];

beforeAll(async () => {
  stack = await startTestStack({ workers: true });
});
afterAll(async () => {
  closers.forEach((close) => close());
  await stack.close();
});

describe('job events pushed to an evaluation room', () => {
  it('pushes a job that failed its last attempt as failed', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await connectSocket(stack.url, panel.coordinator.cookie);
    closers.push(() => socket.disconnect());
    expect((await emitAck(socket, 'evaluation.watch', { evaluationId: panel.evaluation.id })).ok).toBe(true);
    const pushed: { state: string; error: string | null }[] = [];
    socket.on('job.updated', (event) => pushed.push(event.job as { state: string; error: string | null }));

    const [row] = await stack.database.db
      .insert(jobs)
      .values({ kind: jobKinds.evaluationCreated, subjectType: 'evaluation', subjectId: panel.evaluation.id })
      .returning();
    // The summary cannot be written (its table is away), and there is one attempt only.
    await stack.database.db.execute(sql`alter table artifacts rename to artifacts_away`);
    try {
      await stack.server.app.queues.evaluations.add(jobKinds.evaluationCreated, { jobId: row!.id, evaluationId: panel.evaluation.id }, { jobId: row!.id, attempts: 1 });
      await eventually(() => pushed.some((job) => job.state === 'failed') || undefined);
    } finally {
      await stack.database.db.execute(sql`alter table artifacts_away rename to artifacts`);
    }
    // What the coordinator reads: no SQL or parameters.
    expect(pushed.at(-1)).toMatchObject({ state: 'failed', error: `The summary could not be written (job ${row!.id}; details in the worker log).` });
  });
});
