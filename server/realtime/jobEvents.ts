import { QueueEvents } from 'bullmq';
import { eq, inArray } from 'drizzle-orm';
import { queueNames, reReviewSweepResultSchema } from '../../shared/schemas/jobs.ts';
import type { AppContext } from '../context.ts';
import { evaluations, jobs } from '../db/schema.ts';
import { presentJob } from '../http/evaluations/present.ts';

/**
 * Relays queue events to this process's sockets (every server process listens itself, so each
 * pushes to its own sockets only). Workers write to the database first, then BullMQ announces the
 * change; we push rows as stored, so clients never see a state the database lacks.
 * - evaluation jobs: the job row, on every step (active, progress, completed, failed);
 * - a completed re-review sweep: the new status of every evaluation it moved.
 */
export function relayJobEvents(app: AppContext, redisUrl: string, prefix = 'quorum'): { close: () => Promise<void> } {
  const listen = (queue: string) => {
    const events = new QueueEvents(queue, { connection: { url: redisUrl }, prefix });
    events.on('error', (error) => app.logger.warn({ err: error, queue }, 'queue events error'));
    return events;
  };

  const evaluationJobs = listen(queueNames.evaluations);
  const pushJob = async ({ jobId }: { jobId: string }) => {
    try {
      const [row] = await app.db.select().from(jobs).where(eq(jobs.id, jobId));
      if (row) app.notify.jobUpdated(presentJob(row), row.subjectType === 'evaluation' ? row.subjectId : null);
    } catch (error) {
      app.logger.warn({ err: error, jobId }, 'could not relay job event');
    }
  };
  for (const name of ['active', 'progress', 'completed', 'failed'] as const) {
    evaluationJobs.on(name, (event: { jobId: string }) => void pushJob(event));
  }

  const recommendationJobs = listen(queueNames.recommendations);
  // The re-review sweep reports each evaluation it moved as progress, once committed (not in its
  // result: a sweep that fails further on would leave those untold).
  recommendationJobs.on('progress', ({ jobId, data }: { jobId: string; data: unknown }) => {
    // Only the sweep's progress has this shape; other jobs on the queue are not status changes.
    const result = reReviewSweepResultSchema.safeParse(typeof data === 'string' ? parseJson(data) : data);
    if (!result.success || result.data.flagged.length === 0) return;
    void (async () => {
      try {
        const moved = await app.db
          .select({ id: evaluations.id, status: evaluations.status })
          .from(evaluations)
          .where(inArray(evaluations.id, result.data.flagged));
        for (const row of moved) app.notify.evaluationChangedByWorker(row.id, row.status);
      } catch (error) {
        app.logger.warn({ err: error, jobId }, 'could not relay re-review sweep');
      }
    })();
  });

  return {
    close: async () => {
      await Promise.all([evaluationJobs.close(), recommendationJobs.close()]);
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
