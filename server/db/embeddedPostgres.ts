import { mkdirSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  stop: () => Promise<void>;
}

/**
 * Runs PGlite (PostgreSQL in WebAssembly) behind the PostgreSQL wire protocol on loopback, so the
 * server and the worker processes use one driver (node-postgres) whether or not DATABASE_URL is set.
 * `dataDir` undefined keeps the database in memory (tests).
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedPostgres> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pglite = await PGlite.create(options.dataDir ?? 'memory://');
  const socketServer = new PGLiteSocketServer({
    db: pglite,
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: 64,
  });
  await socketServer.start();
  // The package keeps its net.Server private; with port 0 only the server knows the real port.
  const netServer = (socketServer as unknown as { server: Server }).server;
  const { port } = netServer.address() as AddressInfo;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await socketServer.stop();
      await pglite.close();
    },
  };
}
