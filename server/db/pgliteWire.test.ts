import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** Raw frontend messages, for a client that pipelines (node-postgres does not). */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'ascii');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}
const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8');
function extendedQuery(text: string): Buffer {
  const noParams = Buffer.alloc(2);
  return Buffer.concat([
    message('P', Buffer.concat([cstring(''), cstring(text), noParams])),
    // Bind: unnamed portal and statement, no parameter formats, no parameters, no result formats.
    message('B', Buffer.concat([cstring(''), cstring(''), Buffer.alloc(6)])),
    message('E', Buffer.concat([cstring(''), Buffer.alloc(4)])),
    message('S', Buffer.alloc(0)),
  ]);
}

/** Opens a raw connection (startup done) and collects the backend's messages by type. */
async function rawConnection(url: string) {
  const { port } = new URL(url);
  const socket = createConnection({ host: '127.0.0.1', port: Number(port) });
  let received = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => (received = Buffer.concat([received, data])));
  await once(socket, 'connect');
  const params = Buffer.concat([cstring('user'), cstring('postgres'), cstring('database'), cstring('postgres'), Buffer.from([0])]);
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8 + params.length, 0);
  startup.writeInt32BE(196_608, 4);
  socket.write(Buffer.concat([startup, params]));
  const parsed = () => {
    const messages: { type: string; body: Buffer }[] = [];
    for (let offset = 0; offset + 5 <= received.length; ) {
      const length = received.readInt32BE(offset + 1);
      messages.push({ type: String.fromCharCode(received[offset]!), body: received.subarray(offset + 5, offset + 1 + length) });
      offset += 1 + length;
    }
    return messages;
  };
  const readyCount = async (count: number) => {
    for (let tries = 0; tries < 500 && parsed().filter((entry) => entry.type === 'Z').length < count; tries++) await sleep(10);
    return parsed();
  };
  await readyCount(1);
  return { socket, readyCount };
}

describe('PGlite over the wire protocol, pipelined', () => {
  it('answers several extended-protocol cycles sent in one write, one split across writes, and an error in between', async () => {
    const { socket, readyCount } = await rawConnection(embedded.url);
    try {
      // Two cycles in one write; the third fails; the fourth arrives in two pieces.
      socket.write(Buffer.concat([extendedQuery('select 41 + 1'), extendedQuery('select 7 * 6'), extendedQuery('select nope')]));
      const last = extendedQuery("select 'still here'");
      socket.write(last.subarray(0, 9));
      await sleep(20);
      socket.write(last.subarray(9));
      const messages = await readyCount(5);
      const values = messages.filter((entry) => entry.type === 'D').map((entry) => entry.body.subarray(6).toString('utf8'));
      expect(values).toEqual(['42', '42', 'still here']);
      expect(messages.filter((entry) => entry.type === 'E')).toHaveLength(1);
      expect(messages.filter((entry) => entry.type === 'Z').map((entry) => String.fromCharCode(entry.body[0]!))).toEqual(['I', 'I', 'I', 'I', 'I']);
      // Meanwhile the pool's connections keep working alongside.
      expect((await pool.query<{ x: number }>('select 2 as x')).rows).toEqual([{ x: 2 }]);
    } finally {
      socket.destroy();
    }
  });
});
