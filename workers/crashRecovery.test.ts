import { fork, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { artifacts, auditEvents, jobs } from '../server/db/schema.ts';
import type { Evaluation } from '../shared/schemas/evaluation.ts';
import { buildCourse, buildUser } from '../test/support/factories.ts';
import { signedIn } from '../test/support/http.ts';
import { bundledEntries } from '../test/support/processes.ts';
import { startTestStack, type TestStack } from '../test/support/stack.ts';
import { eventually } from '../test/support/wait.ts';

let stack: TestStack;
const children: ChildProcess[] = [];

/** A real worker process, as `npm start` runs it. */
function startWorkerProcess(): ChildProcess {
  const child = fork(bundledEntries.worker, [], {
    env: {
      ...process.env,
      DATABASE_URL: stack.database.url,
      REDIS_URL: stack.redis.url,
      QUEUE_PREFIX: stack.queuePrefix,
      QUORUM_SLOW_JOBS_MS: '2500',
      WORKER_STALLED_INTERVAL_MS: '1000',
      WORKER_LOCK_DURATION_MS: '1500',
      LOG_LEVEL: 'silent',
    },
    stdio: 'inherit',
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stack.close();
});

describe('worker crash recovery', () => {
  it('completes a job exactly once after its worker is killed mid-job and restarted', async () => {
    const user = await buildUser(stack.database.db, { role: 'coordinator' });
    const course = await buildCourse(stack.database.db);
    const coordinator = await signedIn(stack.url, user.email);
    const first = startWorkerProcess();

    const created = await coordinator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId: course.id });
    expect(created.status).toBe(201);
    const evaluationId = created.body.evaluation.id;
    const running = await eventually(async () => {
      const [row] = await stack.database.db.select().from(jobs).where(eq(jobs.subjectId, evaluationId));
      return row?.state === 'running' ? row : undefined;
    });

    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    const [afterKill] = await stack.database.db.select().from(jobs).where(eq(jobs.id, running.id));
    expect(afterKill?.state).toBe('running');

    startWorkerProcess();
    const done = await eventually(async () => {
      const [row] = await stack.database.db.select().from(jobs).where(eq(jobs.id, running.id));
      return row?.state === 'done' ? row : undefined;
    }, 300);
    expect(done.attempts).toBe(2);
    expect(done.artifactSha256).toMatch(/^[0-9a-f]{64}$/);

    const completions = await stack.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'job.done'), eq(auditEvents.subjectId, running.id)));
    expect(completions).toHaveLength(1);
    const stored = await stack.database.db.select().from(artifacts).where(eq(artifacts.sha256, done.artifactSha256!));
    expect(stored[0]?.bytes.toString('utf8')).toContain('# Evaluation summary');
    // BullMQ marks the job completed once the processor has returned, a moment after the row above.
    const bullJob = await stack.server.app.queues.evaluations.getJob(running.id);
    expect(await eventually(async () => ((await bullJob?.getState()) === 'completed' ? 'completed' : undefined))).toBe('completed');
  });
});
