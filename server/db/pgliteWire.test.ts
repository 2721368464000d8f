import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embeddedPostgres.ts';

let embedded: EmbeddedPostgres;
let pool: pg.Pool;

beforeAll(async () => {
  embedded = await startEmbeddedPostgres();
  pool = new pg.Pool({ connectionString: embedded.url, max: 8 });
  await pool.query('create table tally (id serial primary key, owner int not null, n int not null)');
});
afterAll(async () => {
  await pool.end();
  await embedded.stop();
});

describe('PGlite over the wire protocol', () => {
  it('keeps concurrent transactions from many connections apart', async () => {
    await Promise.all(
      Array.from({ length: 24 }, async (_, owner) => {
        const client = await pool.connect();
        try {
          await client.query('begin');
          await client.query('insert into tally (owner, n) values ($1, $2)', [owner, 1]);
          await new Promise((resolve) => setTimeout(resolve, 2));
          const { rows } = await client.query<{ c: number }>('select count(*)::int as c from tally where owner = $1', [owner]);
          expect(rows[0]?.c).toBe(1);
          await client.query(owner % 3 === 0 ? 'rollback' : 'commit');
        } finally {
          client.release();
        }
      }),
    );
    const { rows } = await pool.query<{ c: number }>('select count(*)::int as c from tally');
    expect(rows[0]?.c).toBe(16);
  });

  it('runs interleaved parameterized queries without mixing their portals', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) => pool.query<{ v: number }>('select $1::int * 2 as v', [index])),
    );
    expect(results.map((result) => result.rows[0]?.v)).toEqual(Array.from({ length: 200 }, (_, index) => index * 2));
  });

  it('reports SQL errors and stays usable', async () => {
    await expect(pool.query('select nope')).rejects.toThrow(/column "nope" does not exist/);
    expect((await pool.query<{ x: number }>('select 1 as x')).rows).toEqual([{ x: 1 }]);
  });

  it('rolls back a transaction whose connection died, and lets the others go on', async () => {
    const doomed = new pg.Client({ connectionString: embedded.url });
    doomed.on('error', () => {});
    await doomed.connect();
    await doomed.query('begin');
    await doomed.query('insert into tally (owner, n) values (999, 1)');
    const waiting = pool.query<{ c: number }>('select count(*)::int as c from tally where owner = 999');
    // The pool's query waits for the open transaction's turn; killing the connection hands it on.
    (doomed as unknown as { connection: { stream: { destroy: () => void } } }).connection.stream.destroy();
    expect((await waiting).rows[0]?.c).toBe(0);
  });
});
