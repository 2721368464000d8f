import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { z } from 'zod';
import type { Database } from '../server/db/client.ts';
import type { Logger } from '../server/logger.ts';

export interface JobContext {
  db: Database;
  logger: Logger;
  /** A pause inside each job, for the crash-recovery test (QUORUM_SLOW_JOBS_MS). */
  slowMs: number;
}

export interface JobDefinition<Payload> {
  kind: string;
  queue: string;
  schema: z.ZodType<Payload>;
  process: (payload: Payload, job: Job, context: JobContext) => Promise<unknown>;
  /** Called when the last attempt failed, to record the failure where users can see it. */
  onFailed: (payload: Payload, error: Error, context: JobContext) => Promise<void>;
}

/** A job kind as the runner sees it: payload validation folded in. */
export interface RegisteredJob {
  kind: string;
  queue: string;
  run: (data: unknown, job: Job, context: JobContext) => Promise<unknown>;
  fail: (data: unknown, error: Error, context: JobContext) => Promise<void>;
}

/** Declares a job kind: its queue, payload schema, processor and failure hook. */
export function defineJob<Payload>(definition: JobDefinition<Payload>): RegisteredJob {
  return {
    kind: definition.kind,
    queue: definition.queue,
    run: (data, job, context) => {
      const parsed = definition.schema.safeParse(data);
      // A payload that can never be valid is not retried.
      if (!parsed.success) throw new UnrecoverableError(`invalid ${definition.kind} payload: ${parsed.error.message}`);
      return definition.process(parsed.data, job, context);
    },
    fail: async (data, error, context) => {
      const parsed = definition.schema.safeParse(data);
      if (parsed.success) await definition.onFailed(parsed.data, error, context);
    },
  };
}
