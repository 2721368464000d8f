import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { buildPanel, openProvider } from '../../../test/support/documents.ts';
import { startServerProcess, type ServerProcess } from '../../../test/support/processes.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';

/** A presence state once it shows a cursor. */
const withCursor = (state: Record<string, unknown> | undefined) => (state && 'cursor' in state ? state : undefined);

let stack: TestStack;
let servers: ServerProcess[];
const closers: (() => void)[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  servers = await Promise.all([startServerProcess(stack), startServerProcess(stack), startServerProcess(stack)]);
});
afterAll(async () => {
  for (const close of closers) close();
  await Promise.all(servers.map((server) => server.stop()));
  await stack.close();
});

const textOf = (doc: Y.Doc) => doc.getText('notes').toString();

describe('one worksheet across three server processes', () => {
  it('converges edits made on different processes, and loses no acked edit when a process dies mid-edit', async () => {
    const panel = await buildPanel(stack.database.db, servers[0]!.url, { reviewers: 3 });
    const clients = await Promise.all(
      panel.reviewers.map(async (reviewer, index) => {
        const opened = await openProvider(servers[index]!.url, reviewer.cookie, panel.documentId);
        closers.push(opened.close);
        return opened;
      }),
    );
    const docs = clients.map((client) => client.provider.doc);

    // Each panelist, on their own process, types a line; everyone sees all three.
    docs.forEach((doc, index) => doc.getText('notes').insert(0, `line from reviewer ${index + 1}\n`));
    await eventually(() => docs.every((doc) => textOf(doc).split('\n').filter(Boolean).length === 3) || undefined);
    expect(new Set(docs.map(textOf)).size).toBe(1);

    // Reviewer 3 keeps typing on process 3, which is killed mid-edit.
    const victim = clients[2]!;
    for (let index = 0; index < 20; index++) victim.provider.doc.getText('notes').insert(0, `burst ${index}|`);
    await eventually(() => victim.provider.unsavedCount < 20 || undefined);
    await servers[2]!.crash();
    const localText = textOf(victim.provider.doc);
    victim.close();

    // The same document, rejoined on a surviving process, receives whatever was not yet stored.
    const rejoined = await openProvider(servers[0]!.url, panel.reviewers[2]!.cookie, panel.documentId, victim.provider.doc);
    closers.push(rejoined.close);
    await eventually(() => rejoined.provider.status === 'saved' || undefined);
    await eventually(() => (textOf(docs[0]!) === localText && textOf(docs[1]!) === localText) || undefined);

    // A fresh reader on either surviving process gets exactly that text from the server.
    for (const server of servers.slice(0, 2)) {
      const reader = await openProvider(server.url, panel.reviewers[0]!.cookie, panel.documentId);
      closers.push(reader.close);
      expect(textOf(reader.provider.doc)).toBe(localText);
    }
    expect(localText).toContain('burst 19|');
  });

  it('shows who is here across processes, stamped with their real name, and clears them when they leave', async () => {
    const panel = await buildPanel(stack.database.db, servers[0]!.url, { reviewers: 2 });
    const [alice, bob] = panel.reviewers;
    const onFirst = await openProvider(servers[0]!.url, alice!.cookie, panel.documentId);
    const onSecond = await openProvider(servers[1]!.url, bob!.cookie, panel.documentId);
    closers.push(onFirst.close, onSecond.close);

    onFirst.provider.awareness.setLocalState({ user: { name: 'Somebody Else' }, cursor: { anchor: 1, head: 2 } });
    // (Each presence shows from the join on, with the name stamped; wait for the cursor set here.)
    const seen = await eventually(() => withCursor(onSecond.provider.awareness.getStates().get(onFirst.provider.doc.clientID)));
    expect(seen).toMatchObject({ user: { id: alice!.user.id, name: 'Reviewer 1' }, cursor: { anchor: 1, head: 2 } });
    onSecond.provider.awareness.setLocalState({ cursor: { anchor: 5, head: 5 } });
    await eventually(() => onFirst.provider.awareness.getStates().get(onSecond.provider.doc.clientID) as object | undefined);
    expect(onFirst.provider.awareness.getStates().get(onSecond.provider.doc.clientID)).toMatchObject({ user: { name: 'Reviewer 2' } });

    onFirst.socket.disconnect();
    await eventually(() => !onSecond.provider.awareness.getStates().has(onFirst.provider.doc.clientID) || undefined);
  });

  it('shows a process that loads the document late who is already there on the others, without waiting for their next change', async () => {
    const panel = await buildPanel(stack.database.db, servers[0]!.url, { reviewers: 2 });
    const [alice, bob] = panel.reviewers;
    const onFirst = await openProvider(servers[0]!.url, alice!.cookie, panel.documentId);
    closers.push(onFirst.close);
    const awareness = onFirst.provider.awareness;
    awareness.setLocalState({ cursor: { anchor: 3, head: 3 } });
    const clock = awareness.meta.get(awareness.clientID)!.clock;

    // The second process has not held this worksheet so far: it loads it for Bob and asks the others.
    const onSecond = await openProvider(servers[1]!.url, bob!.cookie, panel.documentId);
    closers.push(onSecond.close);
    await eventually(() => onSecond.provider.awareness.getStates().get(awareness.clientID) as object | undefined);
    expect(onSecond.provider.awareness.getStates().get(awareness.clientID)).toMatchObject({ user: { name: 'Reviewer 1' }, cursor: { anchor: 3, head: 3 } });
    // The state Bob has is the one Alice set, not a later renewal of it (renewals come every 15 s).
    expect(onSecond.provider.awareness.meta.get(awareness.clientID)!.clock).toBe(clock);
  });
});
