import { Worker, type Job } from 'bullmq';
import { openDatabase } from '../server/db/client.ts';
import type { Logger } from '../server/logger.ts';
import type { JobContext, RegisteredJob } from './base.ts';
import { compactDocumentJob } from './compactDocument.ts';
import { evaluationSummaryJob } from './evaluationSummary.ts';
import { reReviewSweepJob, scheduleReReviewSweep } from './reReviewSweep.ts';

/** Every job kind this worker process runs. */
export const jobDefinitions: RegisteredJob[] = [evaluationSummaryJob, compactDocumentJob, reReviewSweepJob];

export interface WorkerOptions {
  databaseUrl: string;
  redisUrl: string;
  logger: Logger;
  concurrency: number;
  stalledIntervalMs: number;
  lockDurationMs: number;
  slowMs?: number;
  prefix?: string;
}

/** Starts one BullMQ Worker per queue; each dispatches by job name to its definition. */
export async function startWorkers(options: WorkerOptions) {
  const database = openDatabase(options.databaseUrl, { max: options.concurrency + 2 });
  const context: JobContext = { db: database.db, logger: options.logger, slowMs: options.slowMs ?? 0 };
  const byQueue = new Map<string, RegisteredJob[]>();
  for (const definition of jobDefinitions) byQueue.set(definition.queue, [...(byQueue.get(definition.queue) ?? []), definition]);

  /** Jobs whose last failure the processor recorded itself (see below). */
  const recorded = new Set<string>();
  const workers = [...byQueue.entries()].map(([queue, definitions]) => {
    const find = (job: Job) => definitions.find((definition) => definition.kind === job.name);
    const worker = new Worker(
      queue,
      async (job) => {
        const definition = find(job);
        if (!definition) throw new Error(`no processor for ${job.name}`);
        options.logger.info({ jobId: job.id, kind: job.name, attempt: job.attemptsMade + 1 }, 'job started');
        try {
          return await definition.run(job.data, job, context);
        } catch (error) {
          // The last attempt's failure is recorded before BullMQ announces it, so what the servers
          // push on its `failed` event is already the failed row.
          if (error instanceof Error && (error.name === 'UnrecoverableError' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1))) {
            recorded.add(String(job.id));
            await definition.fail(job.data, error, context).catch((hookError: unknown) => options.logger.error({ err: hookError, jobId: job.id }, 'failure hook failed'));
          }
          throw error;
        }
      },
      {
        connection: { url: options.redisUrl, maxRetriesPerRequest: null },
        prefix: options.prefix ?? 'quorum',
        concurrency: options.concurrency,
        stalledInterval: options.stalledIntervalMs,
        lockDuration: options.lockDurationMs,
      },
    );
    worker.on('error', (error) => options.logger.warn({ err: error, queue }, 'worker error'));
    worker.on('completed', (job) => options.logger.info({ jobId: job.id, kind: job.name }, 'job completed'));
    worker.on('failed', (job, error) => {
      if (!job) return;
      options.logger.warn({ jobId: job.id, kind: job.name, err: error }, 'job attempt failed');
      const definition = find(job);
      const lastAttempt = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
      // Recorded by the processor already; what is left is a failure without it (a job stalled too often).
      if (recorded.delete(String(job.id))) return;
      if (definition && lastAttempt) {
        definition.fail(job.data, error, context).catch((hookError: unknown) =>
          options.logger.error({ err: hookError, jobId: job.id }, 'failure hook failed'),
        );
      }
    });
    return worker;
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  await scheduleReReviewSweep(options.redisUrl, options.prefix ?? 'quorum');

  return {
    close: async () => {
      await Promise.all(workers.map((worker) => worker.close()));
      await database.close();
    },
  };
}
