import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeSyncStep1, encodeSyncUpdate } from '../../../shared/realtime/syncMessages.ts';
import { buildPanel, connectSocket, emitAck, syncPayload } from '../../../test/support/documents.ts';
import { startServerProcess, type ServerProcess } from '../../../test/support/processes.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let server: ServerProcess | null = null;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await server?.crash();
  await stack.close();
});

/** Joins with an empty state vector and returns the whole document as the server has it. */
async function fetchDocument(url: string, cookie: string, documentId: string): Promise<Y.Doc> {
  const socket = await connectSocket(url, cookie);
  try {
    const joined = await emitAck(socket, 'doc.join', { documentId });
    if (!joined.ok) throw new Error(joined.error.message);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, syncPayload(joined.data.sync));
    return doc;
  } finally {
    socket.disconnect();
  }
}

describe('durable acknowledgements', () => {
  it('loses no acknowledged update when the server process is killed -9 right after the ack (20 times)', { timeout: 300_000 }, async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const cookie = panel.reviewers[0]!.cookie;
    const client = new Y.Doc();
    const acked: string[] = [];

    const expectAckedEditsAfterRestart = async (target: ServerProcess) => {
      const reloaded = (await fetchDocument(target.url, cookie, panel.documentId)).getText('notes-probe').toString();
      for (const edit of acked) expect(reloaded).toContain(edit);
    };

    // Each restarted process first shows every edit acked before the last kill, then takes the next one.
    for (let round = 0; round < 20; round++) {
      server = await startServerProcess(stack);
      await expectAckedEditsAfterRestart(server);
      const socket = await connectSocket(server.url, cookie);
      const joined = await emitAck(socket, 'doc.join', { documentId: panel.documentId, sync: encodeSyncStep1(Y.encodeStateVector(client)) });
      expect(joined.ok).toBe(true);

      let update: Uint8Array = new Uint8Array();
      client.once('update', (bytes: Uint8Array) => (update = bytes));
      const text = client.getText('notes-probe');
      text.insert(text.length, `edit ${round};`);
      const ack = await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: encodeSyncUpdate(update), clientUpdateId: `round-${round}` });
      expect(ack).toEqual({ ok: true, data: { clientUpdateId: `round-${round}` } });
      acked.push(`edit ${round};`);
      // An edit in flight when the process dies may or may not survive; an acked one must.
      const unacked = new Y.Doc();
      unacked.getText('notes-probe').insert(0, 'maybe;');
      socket.emit('doc.update', { documentId: panel.documentId, sync: encodeSyncUpdate(Y.encodeStateAsUpdate(unacked)), clientUpdateId: 'maybe' }, () => {});
      await server.crash();
      socket.disconnect();
    }
    server = await startServerProcess(stack);
    await expectAckedEditsAfterRestart(server);
    expect(acked).toHaveLength(20);
  });
});
