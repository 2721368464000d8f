import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { documentSnapshots, documentUpdates } from '../server/db/schema.ts';
import { encodeSyncUpdate } from '../shared/realtime/syncMessages.ts';
import { buildPanel, connectSocket, emitAck, textEdit } from './support/documents.ts';
import { bundledEntries, startServerProcess, startWorkerProcess, type ServerProcess } from './support/processes.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { eventually } from './support/wait.ts';

// `npm start` runs the bundles `npm run build` writes (dist/server.mjs, dist/worker.mjs), not the
// sources the other tests import: this proves they start and do the real work.
let stack: TestStack;
const running: Omit<ServerProcess, 'url'>[] = [];

beforeAll(async () => {
  for (const entry of Object.values(bundledEntries)) {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does).`);
  }
  stack = await startTestStack();
});
afterAll(async () => {
  await Promise.all(running.map((handle) => handle.stop()));
  await stack.close();
});

describe('the bundled server and worker', () => {
  it('serve pages, health and a worksheet, store and compact its updates', async () => {
    const server = await startServerProcess(stack, { DOC_IDLE_UNLOAD_MS: '100' }, bundledEntries.server);
    running.push(server);
    running.push(await startWorkerProcess(stack, bundledEntries.worker));

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const page = await fetch(`${server.url}/login`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<!doctype html>');
    // Security headers: a page's scripts only from the console (its inline bootstrap by nonce), no framing.
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(/script-src 'self' 'nonce-[^']+'/);
    expect(policy).toContain("frame-ancestors 'none'");
    const nonce = /'nonce-([^']+)'/.exec(policy)![1]!;
    expect(html).toContain(`nonce="${nonce}"`);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('strict-transport-security')).toBeNull(); // served over plain http
    const session = await fetch(`${server.url}/api/auth/session`);
    expect(session.headers.get('cache-control')).toBe('no-store');
    expect(session.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");

    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await connectSocket(server.url, panel.reviewers[0]!.cookie);
    expect((await emitAck(socket, 'doc.join', { documentId: panel.documentId })).ok).toBe(true);
    const edit = textEdit('through the bundle');
    expect(await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: encodeSyncUpdate(edit.update), clientUpdateId: 'b1' })).toEqual({
      ok: true,
      data: { clientUpdateId: 'b1' },
    });
    socket.disconnect();

    // Idle unload asks the worker for a compaction: the log becomes one snapshot holding the edit.
    const snapshot = await eventually(async () => {
      const [row] = await stack.database.db.select().from(documentSnapshots).where(eq(documentSnapshots.documentId, panel.documentId));
      const log = await stack.database.db.select().from(documentUpdates).where(eq(documentUpdates.documentId, panel.documentId));
      return row && log.length === 0 ? row : undefined;
    });
    const doc = new Y.Doc();
    Y.applyUpdate(doc, snapshot.state);
    expect(doc.getText('probe').toString()).toBe('through the bundle');
  });
});
