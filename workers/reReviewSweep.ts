import { Queue } from 'bullmq';
import { jobKinds, queueNames, reReviewSweepPayloadSchema, type ReReviewSweepResult } from '../shared/schemas/jobs.ts';
import { flagDueReReviews } from '../server/commands/flagDueReReviews.ts';
import { silentNotifier } from '../server/realtime/notifier.ts';
import { defineJob } from './base.ts';

/** How often the sweep runs; a day's granularity is what re-review dates need, a few runs a day cover restarts. */
export const RE_REVIEW_SWEEP_EVERY_MS = 6 * 3600_000;

/**
 * `recommendation.re_review_sweep`: published → re_review_due, as the system, for every recommendation
 * within 120 days of valid-until. A function of the stored rows and today's date; a repeat moves nothing twice.
 */
export const reReviewSweepJob = defineJob({
  kind: jobKinds.reReviewSweep,
  queue: queueNames.recommendations,
  schema: reReviewSweepPayloadSchema,
  // Worker processes have no sockets: each evaluation moved is reported as the job's progress once
  // committed, and every server process hears it through BullMQ's queue events and pushes the new
  // status (server/realtime/jobEvents.ts), so a sweep that fails further on still has those told.
  process: async (_payload, job, { db, logger }): Promise<ReReviewSweepResult> => {
    const report = async (evaluationId: string) => {
      await job.updateProgress({ flagged: [evaluationId] } satisfies ReReviewSweepResult);
    };
    const flagged = await flagDueReReviews({ db, notify: silentNotifier }, undefined, report);
    if (flagged.length > 0) logger.info({ flagged }, 're-reviews flagged');
    return { flagged };
  },
  onFailed: async (_payload, error, { logger }) => {
    logger.warn({ err: error }, 're-review sweep failed; the next scheduled run retries');
  },
});

/** Registers the repeating sweep with BullMQ's job scheduler (an upsert: every worker process may call it). */
export async function scheduleReReviewSweep(redisUrl: string, prefix: string): Promise<void> {
  const queue = new Queue(queueNames.recommendations, { connection: { url: redisUrl, maxRetriesPerRequest: null }, prefix });
  queue.on('error', () => {});
  try {
    await queue.upsertJobScheduler('re-review-sweep', { every: RE_REVIEW_SWEEP_EVERY_MS }, { name: jobKinds.reReviewSweep, data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } } });
  } finally {
    await queue.close();
  }
}
