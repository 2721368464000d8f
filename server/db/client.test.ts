import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, startTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { openDatabase } from './client.ts';

describe.each(databaseKinds)('database pool (%s)', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await startTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.stop();
  });

  it('fails a statement that does not answer in time and drops its connection, instead of holding its callers', async () => {
    const pool = openDatabase(database.url, { max: 1, queryTimeoutMs: 300 });
    try {
      await expect(pool.pool.query('select pg_sleep(1)')).rejects.toThrow(/timeout/i);
      // Dropped: the next caller gets a fresh connection, not one still waiting on the stuck statement.
      expect(pool.pool.totalCount).toBe(0);
      // Once the sleeping statement is done (PGlite runs one at a time), the pool works as before.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await pool.pool.query<{ one: number }>('select 1 as one')).rows[0]?.one).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('lets a statement run as long as it takes when told to (migrations)', async () => {
    const pool = openDatabase(database.url, { max: 1, queryTimeoutMs: 0 });
    try {
      expect((await pool.pool.query<{ done: string }>("select pg_sleep(0.5), 'done' as done")).rows[0]?.done).toBe('done');
    } finally {
      await pool.close();
    }
  });
});
