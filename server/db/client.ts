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

/** Opens a connection pool to PostgreSQL (or to the embedded PGlite host, which speaks the same protocol). */
export function openDatabase(url: string, options: { max?: number } = {}): DatabaseHandle {
  // TCP keep-alive: a connection whose peer vanished (a partition, a database host gone) is found
  // dead instead of held open. (No pool-wide statement timeout: drizzle does not release a
  // transaction's connection when its BEGIN fails, and under PGlite that connection would then hold
  // the single backend for good. The one statement that needs a bound, a worksheet's insert, sets
  // its own: see `appendUpdate`.)
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, idleTimeoutMillis: 30_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}
