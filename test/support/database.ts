import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../server/db/client.ts';
import { startEmbeddedPostgres } from '../../server/db/embeddedPostgres.ts';
import { runMigrations } from '../../server/db/migrate.ts';

export interface TestDatabase extends DatabaseHandle {
  url: string;
  kind: 'pglite' | 'postgresql';
  stop: () => Promise<void>;
}

/**
 * A fresh, migrated database for one test file: PGlite in memory (behind the wire protocol, so
 * child processes can share it), or a new database on TEST_DATABASE_URL's server when that is set
 * and `kind` asks for it.
 */
export async function startTestDatabase(kind: 'pglite' | 'postgresql' = 'pglite'): Promise<TestDatabase> {
  if (kind === 'postgresql') {
    const adminUrl = process.env.TEST_DATABASE_URL;
    if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
    const name = `quorum_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const handle = openDatabase(url.toString());
    await runMigrations(handle);
    return {
      ...handle,
      url: url.toString(),
      kind,
      stop: async () => {
        await handle.close();
        const cleanup = new pg.Client({ connectionString: adminUrl });
        await cleanup.connect();
        await cleanup.query(`drop database if exists ${name} with (force)`);
        await cleanup.end();
      },
    };
  }
  const embedded = await startEmbeddedPostgres();
  const handle = openDatabase(embedded.url);
  await runMigrations(handle);
  return {
    ...handle,
    url: embedded.url,
    kind,
    stop: async () => {
      await handle.close();
      await embedded.stop();
    },
  };
}

/** The database kinds this run covers: PGlite always, PostgreSQL too when TEST_DATABASE_URL is set. */
export const databaseKinds: ('pglite' | 'postgresql')[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];
