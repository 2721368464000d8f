import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { queueNames } from '../../shared/schemas/jobs.ts';
import { startLocalRedis, type LocalRedis } from '../infra/redisServer.ts';
import { eventually } from '../../test/support/wait.ts';
import { createQueues, enqueueDocumentCompaction, type Queues } from './queues.ts';

let redis: LocalRedis;
let queues: Queues;
const prefix = 'compaction-requests';

beforeAll(async () => {
  redis = await startLocalRedis();
  queues = createQueues(redis.url, prefix);
});
afterAll(async () => {
  await queues.close();
  await redis.stop();
});

describe('document compaction requests', () => {
  it('runs once more for a request made while a compaction of the same document runs, and not more', async () => {
    const runs: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const worker = new Worker(
      queueNames.documents,
      async (job) => {
        runs.push(job.data.documentId);
        if (runs.length === 1) await held;
      },
      { connection, prefix },
    );
    try {
      await enqueueDocumentCompaction(queues, 'worksheet:11111111-1111-4111-8111-111111111111');
      await eventually(() => runs.length === 1 || undefined);
      // The first compaction has read the log; these rows came after: they need another run. Two
      // requests meanwhile make one run (a compaction merges whatever the log holds then).
      await enqueueDocumentCompaction(queues, 'worksheet:11111111-1111-4111-8111-111111111111');
      await enqueueDocumentCompaction(queues, 'worksheet:11111111-1111-4111-8111-111111111111');
      release();
      await eventually(() => runs.length === 2 || undefined);
      await eventually(async () => {
        const counts = await queues.documents.getJobCounts('active', 'waiting', 'delayed');
        return Object.values(counts).every((count) => count === 0) || undefined;
      });
      expect(runs).toHaveLength(2);
    } finally {
      release();
      await worker.close();
      connection.disconnect();
    }
  });
});
