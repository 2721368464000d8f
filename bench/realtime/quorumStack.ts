import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SESSION_COOKIE } from '../../server/auth/cookie.ts';
import { createSession } from '../../server/auth/sessions.ts';
import { openDatabase } from '../../server/db/client.ts';
import { runMigrations } from '../../server/db/migrate.ts';
import { courses, evaluations, panelSeats, providers, users } from '../../server/db/schema.ts';
import { nodeFlags } from '../../server/infra/nodeFlags.ts';
import { bundle } from '../../scripts/bundle.ts';
import { startLocalRedis } from '../../server/infra/redisServer.ts';

function forkReady(path: string, env: NodeJS.ProcessEnv, execArgv: string[] = []): Promise<{ child: ChildProcess; message: { url?: string } }> {
  const child = fork(fileURLToPath(new URL(path, import.meta.url)), [], { env, stdio: 'inherit', execArgv });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { url?: string }) => resolve({ child, message }));
    child.once('exit', (code) => reject(new Error(`${path} exited with ${code}`)));
  });
}

export interface QuorumStack {
  url: string;
  serverPid: number;
  storagePids: number[];
  /** Session cookies of reviewers seated on the benchmark evaluations. */
  cookies: string[];
  /** Evaluations in deliberation, one per workload, all with the same panel. */
  evaluationIds: string[];
  stop: () => Promise<void>;
}

/**
 * A Quorum as `npm start` runs it (same V8 flags), with its parts in separate processes: redis-server, PGlite host
 * (or BENCH_DATABASE_URL), one server process. Seeds `reviewers` panelists seated on `documents`
 * evaluations in deliberation, each with a session (no password hashing in the loop).
 */
export async function startQuorumStack(reviewers: number, documents: number): Promise<QuorumStack> {
  const redis = await startLocalRedis();
  const pg = process.env.BENCH_DATABASE_URL ? null : await forkReady('./pgHost.ts', process.env);
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? pg!.message.url!;
  const database = openDatabase(databaseUrl);
  await runMigrations(database);
  const db = database.db;
  const [coordinator] = await db
    .insert(users)
    .values({ email: `bench-coordinator-${Date.now()}@bench.test`, name: 'Bench Coordinator', role: 'coordinator', institution: 'Bench', passwordHash: 'x' })
    .returning();
  const [provider] = await db.insert(providers).values({ code: `bench-${Date.now()}`, name: 'Bench MOOC' }).returning();
  const [course] = await db
    .insert(courses)
    .values({
      providerId: provider!.id,
      code: 'bench-101',
      version: '1',
      title: 'Benchmarking 101',
      subject: 'Computer Science',
      partnerInstitution: 'Bench Partner University',
      partnerDomain: 'partner.test',
      description: 'A course for the benchmark.',
      contactHours: 40,
      syllabus: [],
      learningOutcomes: [],
      assessments: [],
      examBlueprint: [],
    })
    .returning();
  const panel = await db
    .insert(users)
    .values(
      Array.from({ length: reviewers }, (_, index) => ({
        email: `bench-reviewer-${index}-${Date.now()}@reviewers.test`,
        name: `Reviewer ${index}`,
        role: 'reviewer' as const,
        institution: `College ${index}`,
        passwordHash: 'x',
      })),
    )
    .returning();
  const evaluationIds: string[] = [];
  for (let index = 0; index < documents; index++) {
    const [evaluation] = await db
      .insert(evaluations)
      .values({ courseId: course!.id, cycle: 'initial', status: 'deliberation', panelSize: reviewers, createdBy: coordinator!.id })
      .returning();
    evaluationIds.push(evaluation!.id);
    await db.insert(panelSeats).values(
      panel.map((reviewer, seat) => ({
        evaluationId: evaluation!.id,
        reviewerId: reviewer.id,
        seatRole: seat === 0 ? ('chair' as const) : ('member' as const),
        seatedBy: coordinator!.id,
      })),
    );
  }
  const cookies = await Promise.all(panel.map(async (reviewer) => `${SESSION_COOKIE}=${(await createSession(db, reviewer.id, 2)).token}`));
  await database.close();

  // The server as `npm start` runs it: the bundle, freshly built from the sources.
  await bundle();
  const server = await forkReady('../../dist/server.mjs', {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    PORT: '0',
    LOG_LEVEL: 'warn',
  }, [...nodeFlags(), ...(process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean)]);
  const stopChild = async (child: ChildProcess) => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return {
    url: server.message.url!,
    serverPid: server.child.pid!,
    storagePids: [pg?.child.pid, redis.process.pid].filter((pid): pid is number => pid !== undefined),
    cookies,
    evaluationIds,
    stop: async () => {
      await stopChild(server.child);
      if (pg) await stopChild(pg.child);
      await redis.stop();
    },
  };
}
