import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { presenceColour } from '../../../shared/worksheet.ts';
import { PRESENCE_BURST, PRESENCE_PER_SOCKET } from './awareness.ts';
import { buildPanel, emitAck, joinedSocket, openProvider } from '../../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';

/** A presence state once it shows a cursor. */
const withCursor = (state: Record<string, unknown> | undefined) => (state && 'cursor' in state ? state : undefined);

let stack: TestStack;
const closers: (() => void)[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  closers.forEach((close) => close());
  await stack.close();
});

describe('document presence (awareness)', () => {
  it('shows who is here under their real name and colour, with their cursor, and clears them when they leave', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [alice, bob] = panel.reviewers;
    const first = await openProvider(stack.url, alice!.cookie, panel.documentId);
    const second = await openProvider(stack.url, bob!.cookie, panel.documentId);
    closers.push(first.close, second.close);

    // A client may claim any name; the server stamps the one on its session.
    first.provider.awareness.setLocalState({ user: { name: 'Somebody Else', color: '#000000' }, cursor: { anchor: 3, head: 7 } });
    // (Each presence shows from the join on, with the name stamped; wait for the cursor set here.)
    const seen = await eventually(() => withCursor(second.provider.awareness.getStates().get(first.provider.doc.clientID)));
    expect(seen).toEqual({ user: { id: alice!.user.id, name: 'Reviewer 1', color: presenceColour(alice!.user.id) }, cursor: { anchor: 3, head: 7 } });

    // A late joiner gets everyone's presence in its join answer.
    const late = await openProvider(stack.url, panel.coordinator.cookie, panel.documentId);
    closers.push(late.close);
    expect(late.provider.awareness.getStates().get(first.provider.doc.clientID)).toMatchObject({ user: { name: 'Reviewer 1' } });

    // Nobody may speak for another connection's presence.
    const forged = encodeAwarenessUpdate(first.provider.awareness, [first.provider.doc.clientID]);
    expect(await emitAck(second.socket, 'doc.awareness', { documentId: panel.documentId, update: forged })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    first.socket.disconnect();
    await eventually(() => !second.provider.awareness.getStates().has(first.provider.doc.clientID) || undefined);
    await eventually(() => !late.provider.awareness.getStates().has(first.provider.doc.clientID) || undefined);
    // Gone for good from the others' copies (clock included): a room open for days does not pile up every page ever opened.
    expect(second.provider.awareness.meta.has(first.provider.doc.clientID)).toBe(false);
  });

  it('shows everyone to a panelist whose connection came back, and that panelist to everyone, at once', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [alice, bob] = panel.reviewers;
    const first = await openProvider(stack.url, alice!.cookie, panel.documentId);
    const second = await openProvider(stack.url, bob!.cookie, panel.documentId);
    closers.push(first.close, second.close);
    first.provider.awareness.setLocalState({ user: { name: 'Alice' }, cursor: { anchor: 1, head: 1 } });
    second.provider.awareness.setLocalState({ user: { name: 'Bob' }, cursor: { anchor: 2, head: 2 } });
    const aliceId = first.provider.awareness.clientID;
    const bobId = second.provider.awareness.clientID;
    await eventually(() => (first.provider.awareness.getStates().has(bobId) && second.provider.awareness.getStates().has(aliceId)) || undefined);

    // Alice's connection drops and comes back; nobody's presence changes meanwhile (same clocks).
    const dropped = new Promise((resolve) => first.socket.once('disconnect', resolve));
    first.socket.io.engine.close();
    await dropped;
    await eventually(() => first.provider.status === 'saved' || undefined);
    // Bob is in the join answer: Alice sees him as soon as she is back (before, not until his
    // presence next changed, up to 15 s later, since the same clock was taken for old news).
    expect(first.provider.awareness.getStates().get(bobId)).toMatchObject({ cursor: { anchor: 2, head: 2 } });
    // And the room has Alice again: whoever joins now finds her in its answer.
    const late = await openProvider(stack.url, panel.coordinator.cookie, panel.documentId);
    closers.push(late.close);
    expect(late.provider.awareness.getStates().get(aliceId)).toMatchObject({ cursor: { anchor: 1, head: 1 } });
    await eventually(() => second.provider.awareness.getStates().has(aliceId) || undefined);
  });

  it('passes on a flood of presence changes at a bounded rate, and the latest always arrives', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [alice, bob] = panel.reviewers;
    const flooder = await openProvider(stack.url, alice!.cookie, panel.documentId);
    const watcher = await openProvider(stack.url, bob!.cookie, panel.documentId);
    closers.push(flooder.close, watcher.close);
    let broadcasts = 0;
    watcher.socket.on('doc.awareness', () => (broadcasts += 1));

    const changes = 5 * PRESENCE_BURST;
    for (let index = 1; index <= changes; index++) flooder.provider.awareness.setLocalStateField('cursor', { anchor: index, head: index });
    const cursorSeen = () => (watcher.provider.awareness.getStates().get(flooder.provider.doc.clientID) as { cursor?: { anchor: number } } | undefined)?.cursor?.anchor;
    await eventually(() => cursorSeen() === changes || undefined);
    // The burst, plus what the rate allowed while the rest arrived — far fewer than one per change.
    expect(broadcasts).toBeLessThan(changes);
    expect(broadcasts).toBeGreaterThanOrEqual(PRESENCE_BURST);
  });

  it('lets one connection show a few presences at most: more client ids are refused and reach nobody', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [alice, bob] = panel.reviewers;
    const socket = await joinedSocket(stack.url, alice!.cookie, panel.documentId);
    closers.push(() => socket.disconnect());
    const watcher = await openProvider(stack.url, bob!.cookie, panel.documentId);
    closers.push(watcher.close);

    const claims = Array.from({ length: PRESENCE_PER_SOCKET + 3 }, (_, index) => {
      const awareness = new Awareness(new Y.Doc());
      awareness.setLocalState({ cursor: { anchor: index, head: index } });
      return awareness;
    });
    const acks = [];
    for (const awareness of claims) acks.push(await emitAck(socket, 'doc.awareness', { documentId: panel.documentId, update: encodeAwarenessUpdate(awareness, [awareness.clientID]) }));
    expect(acks.slice(0, PRESENCE_PER_SOCKET).every((ack) => ack.ok)).toBe(true);
    for (const ack of acks.slice(PRESENCE_PER_SOCKET)) expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

    // The ones it holds still change; a presence it gave up makes room for another.
    const first = claims[0]!;
    first.setLocalState(null);
    expect((await emitAck(socket, 'doc.awareness', { documentId: panel.documentId, update: encodeAwarenessUpdate(first, [first.clientID]) })).ok).toBe(true);
    const late = claims[PRESENCE_PER_SOCKET]!;
    expect((await emitAck(socket, 'doc.awareness', { documentId: panel.documentId, update: encodeAwarenessUpdate(late, [late.clientID]) })).ok).toBe(true);
    const shown = () => [...watcher.provider.awareness.getStates().keys()].filter((clientId) => claims.some((claim) => claim.clientID === clientId));
    await eventually(() => shown().includes(late.clientID) || undefined);
    expect(shown()).toHaveLength(PRESENCE_PER_SOCKET);
    expect(shown()).not.toContain(first.clientID);
  });
});
