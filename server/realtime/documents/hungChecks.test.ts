import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { buildPanel, openProvider } from '../../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';
import { buildDoc, loadStoredDocument } from './persistence.ts';

let stack: TestStack;
const closers: (() => void)[] = [];
const warnings: string[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  // The time limit of a document's database steps (the insert's, and now the checks'): short here.
  stack = await startTestStack({ env: { DOC_STORE_TIMEOUT_MS: '1000' }, logger });
});
afterAll(async () => {
  closers.forEach((close) => close());
  await stack.close();
});

describe('checks of an update that never answer', () => {
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
});
