import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { documentUpdates } from '../../db/schema.ts';
import { buildPanel, connectSocket, emitAck, syncPayload, textEdit } from '../../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';

// A long window, so that "arrived within DOC_BATCH_MS of the last broadcast" holds on a slow machine too.
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { DOC_BATCH_MS: '1000' } });
});
afterAll(async () => {
  await stack.close();
});

describe('document broadcast batching (DOC_BATCH_MS)', () => {
  it('merges the edits that arrive within DOC_BATCH_MS of the last broadcast into one broadcast and one stored row', async () => {
    const panel = await buildPanel(stack.database.db, stack.url);
    const [writer, watcher] = await Promise.all(panel.reviewers.map((reviewer) => connectSocket(stack.url, reviewer.cookie)));
    try {
      for (const socket of [writer!, watcher!]) expect((await emitAck(socket, 'doc.join', { documentId: panel.documentId })).ok).toBe(true);
      const received: Uint8Array[] = [];
      watcher!.on('doc.update', (event) => received.push(syncPayload(event.sync)));
      const doc = new Y.Doc();

      // The first edit of an idle room goes out on its own and opens the window.
      const first = textEdit('first ', doc);
      expect((await emitAck(writer!, 'doc.update', { documentId: panel.documentId, sync: first.sync, clientUpdateId: 'f' })).ok).toBe(true);
      await eventually(() => received.length === 1 || undefined);

      // Five edits sent in separate turns right after it: one broadcast, one row, five acks.
      const acks: Promise<unknown>[] = [];
      for (let index = 0; index < 5; index++) {
        acks.push(emitAck(writer!, 'doc.update', { documentId: panel.documentId, sync: textEdit(`e${index} `, doc).sync, clientUpdateId: `e${index}` }));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(await Promise.all(acks)).toEqual(Array.from({ length: 5 }, (_, index) => ({ ok: true, data: { clientUpdateId: `e${index}` } })));
      await eventually(() => received.length === 2 || undefined);
      const rows = await stack.database.db.select().from(documentUpdates).where(eq(documentUpdates.documentId, panel.documentId));
      expect(rows).toHaveLength(2);
      const mirror = new Y.Doc();
      received.forEach((update) => Y.applyUpdate(mirror, update));
      expect(mirror.getText('probe').toString()).toBe('first e0 e1 e2 e3 e4 ');
    } finally {
      writer!.disconnect();
      watcher!.disconnect();
    }
  });
});
