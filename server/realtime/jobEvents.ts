import { QueueEvents } from 'bullmq';
import { eq } from 'drizzle-orm';
import { queueNames } from '../../shared/schemas/jobs.ts';
import type { AppContext } from '../context.ts';
import { jobs } from '../db/schema.ts';
import { presentJob } from '../http/evaluations/present.ts';

/**
 * Relays queue events to this process's sockets. Workers write the job row first, then BullMQ
 * announces the change; we push the row as stored, so clients never see a state the database lacks.
 */
export function relayJobEvents(app: AppContext, redisUrl: string, prefix = 'quorum'): QueueEvents {
  const events = new QueueEvents(queueNames.evaluations, { connection: { url: redisUrl }, prefix });
  events.on('error', (error) => app.logger.warn({ err: error }, 'queue events error'));
  const push = async ({ jobId }: { jobId: string }) => {
    try {
      const [row] = await app.db.select().from(jobs).where(eq(jobs.id, jobId));
      if (row) app.notify.jobUpdated(presentJob(row), row.subjectType === 'evaluation' ? row.subjectId : null);
    } catch (error) {
      app.logger.warn({ err: error, jobId }, 'could not relay job event');
    }
  };
  for (const name of ['active', 'progress', 'completed', 'failed'] as const) {
    events.on(name, (event: { jobId: string }) => void push(event));
  }
  return events;
}
