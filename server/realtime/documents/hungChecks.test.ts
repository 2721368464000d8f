import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { buildPanel, connectSocket, emitAck, openProvider, syncPayload } from '../../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';
import { buildDoc, loadStoredDocument } from './persistence.ts';

let stack: TestStack;
const closers: (() => void)[] = [];
const warnings: string[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  // The time limit of a document's database steps (the insert's, and now the checks'): short here.
  // (And documents unloaded soon after they are left.)
  stack = await startTestStack({ env: { DOC_STORE_TIMEOUT_MS: '1000', DOC_IDLE_UNLOAD_MS: '200' }, logger });
});
afterAll(async () => {
  closers.forEach((close) => close());
  await stack.close();
});

describe('database steps of a document that do not answer', () => {
  it('refuse it once the time limit passes, so it is sent again and stored, and the edits behind it are not held for good', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const hub = stack.server.app.documents!;
    const { provider, close } = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    closers.push(close);
    const notes = provider.doc.getText('notes-probe');
    notes.insert(0, 'Start.');
    await eventually(() => provider.status === 'saved' || undefined);

    // The next edit's access facts never come back (a connection gone half-open, played by one
    // lookup that never settles); the one after it waits behind it.
    const loadForUpdate = hub.subjects.loadForUpdate;
    let hung = false;
    hub.subjects.loadForUpdate = (evaluationId) => {
      if (hung) return loadForUpdate(evaluationId);
      hung = true;
      return new Promise(() => {});
    };
    const refusals: string[] = [];
    closers.push(provider.subscribe(() => void (provider.lastError && refusals.push(`${provider.lastError.code}: ${provider.lastError.message}`))));
    try {
      hub.subjects.invalidate(panel.evaluation.id);
      notes.insert(notes.length, ' Stuck');
      notes.insert(notes.length, ' and behind it.');
      // Refused as `unavailable` after a second (and the keystroke behind it, which builds on it, as a
      // gap); the page joins again and its resync carries both.
      await eventually(() => refusals.includes('unavailable: The update could not be checked in time; it will be sent again.') || undefined);
      await eventually(() => provider.status === 'saved' || undefined);
      const stored = buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates).getText('notes-probe').toString();
      expect(stored).toBe('Start. Stuck and behind it.');
      expect(warnings.some((line) => line.includes('did not answer in time'))).toBe(true);
    } finally {
      hub.subjects.loadForUpdate = loadForUpdate;
    }
  });

  it('refuse a join in time, read the document again for the next join, and let the page in once the database answers', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const hub = stack.server.app.documents!;
    // A first visit reads the access facts (kept) and saves an edit; the document is then left and unloaded.
    const first = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    first.provider.doc.getText('notes-probe').insert(0, 'Saved before.');
    await eventually(() => first.provider.status === 'saved' || undefined);
    first.close();
    await eventually(() => !hub.loadedIds.includes(panel.documentId) || undefined);

    const socket = await connectSocket(stack.url, panel.reviewers[1]!.cookie);
    closers.push(() => socket.disconnect());
    // The next panelist joins: the access facts come back (from a connection that answers), the
    // document's read does not (held by a transaction: PGlite serves one at a time).
    const facts = await hub.subjects.load(panel.evaluation.id);
    const load = hub.subjects.load;
    hub.subjects.load = async () => facts;
    let release = () => {};
    const held = stack.database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await new Promise<void>((resolveHold) => (release = resolveHold));
    });
    try {
      expect(await emitAck(socket, 'doc.join', { documentId: panel.documentId })).toMatchObject({
        ok: false,
        error: { code: 'unavailable', message: 'The worksheet could not be opened in time; it will be tried again.' },
      });
      await eventually(() => warnings.some((line) => line.includes('reading a document did not answer in time')) || undefined);
    } finally {
      hub.subjects.load = load;
      release();
      await held;
    }
    const joined = await emitAck(socket, 'doc.join', { documentId: panel.documentId });
    if (!joined.ok) throw new Error(joined.error.message);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, syncPayload(joined.data.sync));
    expect(doc.getText('notes-probe').toString()).toBe('Saved before.');
  });
});
