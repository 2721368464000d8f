import { resolve } from 'node:path';
import { z } from 'zod';
import { documentLimits } from '../shared/realtime/documents.ts';
import { sessionCookieName } from './auth/cookie.ts';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const postgresUrl = z
  .url()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must start with postgres:// or postgresql://');
const redisUrl = z.url().refine((value) => /^rediss?:\/\//.test(value), 'must start with redis:// or rediss://');

/** Every environment variable Quorum reads. README documents each one. */
export const configSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: postgresUrl.optional(),
  REDIS_URL: redisUrl.optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_MAX_ATTEMPTS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(50),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  LOGIN_ACCOUNT_FREE_FAILURES: z.coerce.number().int().min(1).max(100_000).default(10),
  LOGIN_ACCOUNT_FIRST_DELAY_SECONDS: z.coerce.number().int().min(1).max(3_600).default(1),
  LOGIN_ACCOUNT_MAX_DELAY_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  LOGIN_DEVICE_DAYS: z.coerce.number().int().min(0).max(400).default(90),
  LOGIN_CONCURRENT_CHECKS: z.coerce.number().int().min(1).max(64).default(2),
  LOGIN_WAITING_CHECKS: z.coerce.number().int().min(0).max(10_000).default(64),
  COOKIE_SECURE: booleanFlag.optional(),
  TRUST_PROXY: booleanFlag.default(false),
  QUEUE_PREFIX: z.string().regex(/^[a-zA-Z0-9:_-]{1,40}$/, 'letters, digits, :, _ or -').default('quorum'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  SEED_DEMO: booleanFlag.default(true),
  QUORUM_SLOW_JOBS_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  SOCKET_RECHECK_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  REGISTRY_MAX_REQUESTS: z.coerce.number().int().min(1).max(100_000).default(300),
  REGISTRY_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  // Collaborative documents (worksheets): see shared/realtime/documents.ts for the defaults' reasons.
  DOC_MAX_UPDATE_BYTES: z.coerce.number().int().min(1024).max(900_000).default(documentLimits.maxUpdateBytes),
  DOC_MAX_BYTES: z.coerce.number().int().min(16_384).max(512 * 1024 * 1024).default(documentLimits.maxDocumentBytes),
  DOC_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(1000).default(documentLimits.maxConnectionsPerUser),
  DOC_IDLE_UNLOAD_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  DOC_ACCESS_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  DOC_COMPACT_EVERY: z.coerce.number().int().min(2).max(1_000_000).default(500),
  // Least time between two broadcasts (and stored rows) of one document; edits in between are merged.
  // A worksheet insert that has not answered by then fails (its senders send it again); 0: no limit.
  DOC_STORE_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  DOC_BATCH_MS: z.coerce.number().int().min(0).max(1_000).default(0),
});

export type RawConfig = z.infer<typeof configSchema>;
export interface Config extends RawConfig {
  dataDir: string;
  publicUrl: string;
  cookieSecure: boolean;
  /** The session cookie's name (see `sessionCookieName`). */
  sessionCookie: string;
}

/** Thrown with one line per bad variable, so a misconfigured start says exactly what to fix. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads and validates the environment; empty strings count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}=${JSON.stringify(present[String(issue.path[0])] ?? '')}: ${issue.message}`),
    );
  }
  const raw = parsed.data;
  const publicUrl = raw.PUBLIC_URL ?? `http://${raw.HOST === '0.0.0.0' ? 'localhost' : raw.HOST}:${raw.PORT}`;
  const cookieSecure = raw.COOKIE_SECURE ?? publicUrl.startsWith('https://');
  return {
    ...raw,
    dataDir: resolve(raw.DATA_DIR),
    publicUrl,
    cookieSecure,
    sessionCookie: sessionCookieName(cookieSecure),
  };
}
