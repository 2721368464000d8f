import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.ts';

/** Drizzle over a node-postgres pool; `$client` is that pool, for the few statements run without the query builder. */
export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A transaction handle: commands take this so they compose inside one transaction. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
export type DbOrTx = Database | Tx;

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  close: () => Promise<void>;
}

/** How long a statement may take before its caller gets an error, unless the caller says otherwise. */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/**
 * Opens a connection pool to PostgreSQL (or to the embedded PGlite host, which speaks the same
 * protocol). A statement that has not answered after `queryTimeoutMs` (0: never) fails, and the
 * pool drops its connection: without it a connection gone half-open (a network partition, a
 * database host that vanished) would hold its callers for the kernel's TCP timeout, ~15 minutes: a
 * worksheet's inserts queue behind the one that hangs and nobody gets an ack or an error. Opening a
 * connection gives up after 10 s; TCP keep-alive finds dead idle connections.
 */
export function openDatabase(url: string, options: { max?: number; queryTimeoutMs?: number } = {}): DatabaseHandle {
  const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(queryTimeoutMs > 0 ? { query_timeout: queryTimeoutMs } : {}),
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}
