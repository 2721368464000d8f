import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { UNAPPLIABLE_UPDATE } from '../../../test/support/documents.ts';
import { LiveDocument } from './liveDocument.ts';
import type { DocumentOutlets } from './outlets.ts';

/** Storage whose inserts finish when the test says so: what a slow database looks like to a document. */
function controlledOutlets() {
  const inserts: { update: Uint8Array; finish: () => void; fail: (error: Error) => void }[] = [];
  const broadcasts: Uint8Array[] = [];
  const badUpdates: unknown[] = [];
  const outlets: DocumentOutlets = {
    store: (_documentId, update) => new Promise<void>((resolve, reject) => inserts.push({ update, finish: resolve, fail: reject })),
    broadcast: (_documentId, update) => broadcasts.push(update),
    broadcastAwareness: () => {},
    relayAwareness: () => {},
    badUpdate: (_documentId, error) => badUpdates.push(error),
    storeAbandoned: (_documentId, error) => badUpdates.push(error),
  };
  return { outlets, inserts, broadcasts, badUpdates };
}

/** A loaded document `worksheet:<letter>` with nothing stored, or what `options` say. */
function documentFor(letter: string, outlets: DocumentOutlets, options: Partial<ConstructorParameters<typeof LiveDocument>[0]> = {}): LiveDocument {
  return new LiveDocument({ id: `worksheet:${letter}`, ref: { kind: 'worksheet', evaluationId: letter }, doc: new Y.Doc(), storedBytes: 0, logLength: 0, outlets, ...options });
}

function edit(doc: Y.Doc, text: string): Uint8Array {
  let update: Uint8Array | null = null;
  const capture = (bytes: Uint8Array) => (update = bytes);
  doc.on('update', capture);
  doc.getText('notes').insert(doc.getText('notes').length, text);
  doc.off('update', capture);
  return update!;
}

const textOf = (updates: Uint8Array[]) => {
  const doc = new Y.Doc();
  updates.forEach((update) => Y.applyUpdate(doc, update));
  return doc.getText('notes').toString();
};

function settledState(promise: Promise<void>) {
  const state = { value: 'pending' as 'pending' | 'stored' | 'refused' };
  promise.then(
    () => (state.value = 'stored'),
    () => (state.value = 'refused'),
  );
  return state;
}

describe('LiveDocument storage (group commit)', () => {
  it('broadcasts every edit at once but keeps one insert at a time; edits broadcast meanwhile are stored as one row', async () => {
    const { outlets, inserts, broadcasts } = controlledOutlets();
    const live = documentFor('x', outlets);
    const [alice, bob] = [new Y.Doc(), new Y.Doc()];

    const first = settledState(live.submit(edit(alice, 'one '), 'a', 'alice'));
    await nextTurn();
    expect(broadcasts).toHaveLength(1);
    expect(inserts).toHaveLength(1);

    // While the first insert runs, two more edits arrive in separate turns: each reaches the room at once…
    const second = settledState(live.submit(edit(bob, 'two '), 'b', 'bob'));
    await nextTurn();
    const third = settledState(live.submit(edit(alice, 'three '), 'a', 'alice'));
    await nextTurn();
    expect(broadcasts).toHaveLength(3);
    // …but waits for storage, and the server's document does not count them yet.
    expect(inserts).toHaveLength(1);
    expect(live.unstored).toHaveLength(3);
    expect(live.busy).toBe(true);

    inserts[0]!.finish();
    await nextTurn();
    expect(first.value).toBe('stored');
    expect([second.value, third.value]).toEqual(['pending', 'pending']);
    // The next insert carries both waiting edits as one row.
    expect(inserts).toHaveLength(2);
    expect(textOf([inserts[0]!.update, inserts[1]!.update])).toBe(textOf(broadcasts));
    expect(textOf(broadcasts)).toHaveLength('one two three '.length);
    expect(live.doc.getText('notes').toString()).toBe('one ');

    inserts[1]!.finish();
    await live.settle();
    expect([second.value, third.value]).toEqual(['stored', 'stored']);
    expect(live.unstored).toHaveLength(0);
    expect(live.busy).toBe(false);
    expect(live.doc.getText('notes').toString()).toBe(textOf(broadcasts));
    expect(live.sinceCompaction).toBe(2);
  });

  it('refuses every edit of a failed insert and stores them with the next insert: an edit built on them is never stored without them', async () => {
    const { outlets, inserts, broadcasts } = controlledOutlets();
    const live = documentFor('y', outlets, { storeRetryMs: 60_000 });
    const writer = new Y.Doc();
    const lost = settledState(live.submit(edit(writer, 'lost '), 'a', 'alice'));
    await nextTurn();
    const alsoLost = settledState(live.submit(edit(writer, 'too '), 'a', 'alice'));
    await nextTurn();
    inserts[0]!.fail(new Error('storage refused'));
    await nextTurn();
    expect(lost.value).toBe('refused');
    // The second edit was queued behind the failed insert and goes in the next one, with the first.
    expect(textOf([inserts[1]!.update])).toBe('lost too ');
    inserts[1]!.fail(new Error('storage refused'));
    await live.settle();
    expect(alsoLost.value).toBe('refused');
    // Their senders were told (alice has left for good, say); the edits stay in flight (joiners get
    // them), as the one update last tried, and are not counted as stored.
    expect(live.unstored).toHaveLength(1);
    expect(textOf(live.unstored)).toBe('lost too ');
    expect(live.storedBytes).toBe(0);
    expect(live.doc.getText('notes').toString()).toBe('');

    // A colleague who received them types after them: their edit builds on alice's.
    const colleague = new Y.Doc();
    broadcasts.forEach((update) => Y.applyUpdate(colleague, update));
    const built = settledState(live.submit(edit(colleague, 'and built on '), 'b', 'bob'));
    await nextTurn();
    // One insert carries alice's refused edits with it, at once (not after the minute's backoff).
    expect(inserts).toHaveLength(3);
    expect(textOf([inserts[2]!.update])).toBe('lost too and built on ');
    inserts[2]!.finish();
    await live.settle();
    expect(built.value).toBe('stored');
    // What storage holds shows the colleague's edit on its own: nothing it builds on is missing.
    expect(textOf(inserts.slice(2).map((insert) => insert.update))).toBe('lost too and built on ');
    expect(live.doc.getText('notes').toString()).toBe('lost too and built on ');
    expect(live.unstored).toHaveLength(0);
    expect(live.busy).toBe(false);
    expect(live.sinceCompaction).toBe(1);
    expect(live.storedBytes).toBe(inserts[2]!.update.byteLength);
  });

  it('keeps one pending update however often the same edits fail (a writer resending them at every rejoin), and stores only what storage lacks', async () => {
    const { outlets, inserts } = controlledOutlets();
    const live = documentFor('s', outlets, { storeRetryMs: 60_000 });
    const writer = new Y.Doc();
    const stored = edit(writer, 'stored ');
    void live.submit(stored, 'a', 'alice');
    await nextTurn();
    inserts[0]!.finish();
    await live.settle();
    const unsaved = edit(writer, 'unsaved ');
    // Storage refuses; the writer rejoins and resends its unsaved edit (with what is stored, as a step 2 may) five times.
    for (let resend = 0; resend < 5; resend++) {
      void live.submit(resend === 0 ? unsaved : Y.mergeUpdates([stored, unsaved]), 'a', 'alice').catch(() => {});
      await nextTurn();
      inserts.at(-1)!.fail(new Error('storage refused'));
      await live.settle();
    }
    expect(inserts).toHaveLength(6);
    // Closing: one insert for all of them, holding only what storage lacks.
    const closing = live.storeAllBeforeClosing();
    await vi.waitUntil(() => inserts.length === 7);
    expect(textOf([inserts[6]!.update])).toBe(''); // 'unsaved ' alone, which needs the stored text before it
    expect(textOf([stored, inserts[6]!.update])).toBe('stored unsaved ');
    inserts[6]!.finish();
    await closing;
    expect(live.doc.getText('notes').toString()).toBe('stored unsaved ');
    expect(live.busy).toBe(false);
  });

  it('keeps storing a failed merge again, however long storage refuses, and stays busy (not to be unloaded) until it is stored', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { outlets, inserts } = controlledOutlets();
      const live = documentFor('v', outlets);
      const refused = settledState(live.submit(edit(new Y.Doc(), 'the room built on this '), 'a', 'alice'));
      await nextTurn();
      inserts[0]!.fail(new Error('storage refused'));
      await live.settle();
      expect(refused.value).toBe('refused');
      // Twenty retries over about ten minutes, each refused: the document neither gives up nor lets go.
      for (let retry = 1; retry <= 20; retry++) {
        await vi.advanceTimersByTimeAsync(30_000);
        expect(inserts).toHaveLength(retry + 1);
        expect(live.busy).toBe(true);
        inserts[retry]!.fail(new Error('storage still refused'));
        await nextTurn();
      }
      await vi.advanceTimersByTimeAsync(30_000);
      inserts.at(-1)!.finish();
      await vi.waitUntil(() => !live.busy);
      expect(live.doc.getText('notes').toString()).toBe('the room built on this ');
      expect(live.unstored).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('tries the failed merges once more, at once, when told to (the hub closing), and reports them when it must give up', async () => {
    const { outlets, inserts, badUpdates } = controlledOutlets();
    const live = documentFor('u', outlets, { storeRetryMs: 60_000 });
    void live.submit(edit(new Y.Doc(), 'one '), 'a', 'alice').catch(() => {});
    await nextTurn();
    inserts[0]!.fail(new Error('storage refused'));
    await live.settle();
    void live.submit(edit(new Y.Doc(), 'two '), 'b', 'bob').catch(() => {});
    await nextTurn();
    inserts[1]!.fail(new Error('storage refused'));
    await live.settle();

    const closing = live.storeAllBeforeClosing();
    await vi.waitUntil(() => inserts.length === 3); // at once, not after the minute's wait, both in one insert
    expect(textOf([inserts[2]!.update])).toHaveLength('one two '.length);
    inserts[2]!.fail(new Error('storage gone'));
    await closing;
    expect(badUpdates).toEqual([new Error('storage gone')]);
    expect(live.busy).toBe(false);
    expect(live.unstored).toHaveLength(0);
    // Nothing is tried after that, however long one waits.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inserts).toHaveLength(3);
  });

  it('refuses edits still waiting for their turn when it is destroyed (their senders send them again)', async () => {
    const { outlets, inserts } = controlledOutlets();
    const live = documentFor('t', outlets, { batchMs: 60_000 });
    const first = settledState(live.submit(edit(new Y.Doc(), 'first '), 'a', 'alice'));
    await nextTurn();
    inserts[0]!.finish();
    await vi.waitUntil(() => first.value === 'stored');
    // The next broadcast may not go out for a minute (the batch window): this edit waits for it.
    const waiting = live.submit(edit(new Y.Doc(), 'waiting '), 'b', 'bob').then(
      () => null,
      (error: unknown) => error,
    );
    live.destroy();
    expect(await waiting).toMatchObject({ code: 'unavailable' });
    expect(inserts).toHaveLength(1);
  });

  it('gives up the retries once it is destroyed (unloaded): only clients that hold the edits can send them again', async () => {
    const { outlets, inserts } = controlledOutlets();
    const live = documentFor('w', outlets, { storeRetryMs: 300 });
    const lost = settledState(live.submit(edit(new Y.Doc(), 'lost '), 'a', 'alice'));
    await nextTurn();
    inserts[0]!.fail(new Error('storage refused'));
    await live.settle();
    expect(lost.value).toBe('refused');
    live.destroy();
    await new Promise((resolve) => setTimeout(resolve, 900)); // three times the first retry's wait
    expect(inserts).toHaveLength(1);
  });

  it('refuses an update that decodes but does not apply before it reaches the room; the rest of its batch goes ahead', async () => {
    const { outlets, inserts, broadcasts, badUpdates } = controlledOutlets();
    const live = documentFor('z', outlets);
    // Decodes as a Yjs update, but an item's origin lies ahead of it in its own client's clock: applying throws.
    const unappliable = new Uint8Array(Buffer.from(UNAPPLIABLE_UPDATE, 'base64'));
    expect(() => Y.applyUpdate(new Y.Doc(), unappliable)).toThrow();
    const good = edit(new Y.Doc(), 'good ');
    // Both arrive in the same turn, so they would have gone out as one merge.
    const refused = live.submit(unappliable, 'a', 'mallory').then(
      () => null,
      (error: unknown) => error,
    );
    const kept = settledState(live.submit(good, 'b', 'bob'));
    await nextTurn();
    expect(await refused).toMatchObject({ code: 'validation_failed' });
    expect(broadcasts).toEqual([good]);
    expect(inserts.map((insert) => insert.update)).toEqual([good]);
    inserts[0]!.finish();
    await live.settle();
    expect(kept.value).toBe('stored');
    expect(live.doc.getText('notes').toString()).toBe('good ');
    expect(live.storedBytes).toBe(good.byteLength);

    // Relayed from another process (stored there by a process without this check, say): reported, not thrown, not broadcast.
    live.applyStored(unappliable);
    expect(badUpdates).toHaveLength(1);
    expect(broadcasts).toHaveLength(1);
  });

  it('takes an edit that continues one queued, on its way or stored, and refuses as a gap one that builds on an edit it never took', async () => {
    const { outlets, inserts, broadcasts } = controlledOutlets();
    const live = documentFor('g', outlets);
    const writer = new Y.Doc();
    const stored = settledState(live.submit(edit(writer, 'stored '), 'a', 'alice'));
    await nextTurn();
    inserts[0]!.finish();
    await live.settle();
    expect(stored.value).toBe('stored');
    // Two edits in one turn, the second continuing the first while it waits in the queue.
    const queued = settledState(live.submit(edit(writer, 'queued '), 'a', 'alice'));
    const following = settledState(live.submit(edit(writer, 'following '), 'a', 'alice'));
    await nextTurn();
    // One more while their insert runs.
    const whileStoring = settledState(live.submit(edit(writer, 'meanwhile '), 'a', 'alice'));
    await nextTurn();
    // An edit that never got here (refused before it reached the document, say), then one after it.
    edit(writer, 'never sent ');
    const gap = await live.submit(edit(writer, 'after the gap'), 'a', 'alice').catch((error: unknown) => error);
    expect(gap).toMatchObject({ code: 'unavailable', details: { reason: 'gap' } });
    inserts[1]!.finish();
    await vi.waitUntil(() => inserts.length === 3);
    inserts[2]!.finish();
    await live.settle();
    expect([queued.value, following.value, whileStoring.value]).toEqual(['stored', 'stored', 'stored']);
    expect(live.doc.getText('notes').toString()).toBe('stored queued following meanwhile ');
    expect(textOf(broadcasts)).toBe('stored queued following meanwhile ');

    // An edit refused when its batch is checked (it does not apply): what its copy writes after it is a gap too.
    const unappliable = new Uint8Array(Buffer.from(UNAPPLIABLE_UPDATE, 'base64'));
    const client = Y.decodeUpdate(unappliable).structs[0]!.id.client;
    const refused = live.submit(unappliable, 'm', 'mallory').catch((error: unknown) => error);
    await nextTurn();
    expect(await refused).toMatchObject({ code: 'validation_failed' });
    const next = Y.parseUpdateMeta(unappliable).to.get(client)!;
    const afterRefused = await live.submit(unappliable, 'm', 'mallory', { clocks: new Map([[client, { from: next, to: next + 1 }]]) }).catch((error: unknown) => error);
    expect(afterRefused).toMatchObject({ code: 'unavailable', details: { reason: 'gap' } });
  });

  it('counts items it holds but cannot apply yet as had, and does not check a step 2 (made from its own state vector)', async () => {
    const { outlets, inserts } = controlledOutlets();
    // Storage holds a writer's second edit without its first (stored before gaps were refused): the
    // Y.Doc keeps it pending, and hands it to every joiner, whose step 2 sends it back.
    const writer = new Y.Doc();
    edit(writer, 'missing ');
    const held = edit(writer, 'held ');
    const doc = new Y.Doc();
    Y.applyUpdate(doc, held);
    expect(doc.store.pendingStructs).not.toBeNull();
    const live = documentFor('p', outlets, { doc });
    // A live edit right after the held one continues what the document has.
    const continuing = settledState(live.submit(edit(writer, 'continuing'), 'a', 'alice'));
    const echoed = settledState(live.submit(held, 'a', 'alice', { kind: 'step2' }));
    await nextTurn();
    inserts.forEach((insert) => insert.finish());
    await live.settle();
    expect([echoed.value, continuing.value]).toEqual(['stored', 'stored']);
    // One that skips past it does not.
    edit(writer, 'never sent ');
    const skippingEdit = edit(writer, 'skipping');
    const skipping = await live.submit(skippingEdit, 'a', 'alice').catch((error: unknown) => error);
    expect(skipping).toMatchObject({ code: 'unavailable', details: { reason: 'gap' } });
    // As a step 2 (what a copy sends after its server's state vector, which another process may
    // have stored more of than this one has heard yet) it goes in, as before.
    const asStep2 = settledState(live.submit(skippingEdit, 'a', 'alice', { kind: 'step2' }));
    await nextTurn();
    inserts.at(-1)!.finish();
    await live.settle();
    expect(asStep2.value).toBe('stored');
  });

  it('counts a step 2 as had for each client id it continues, not for one it leaves a gap after', async () => {
    const { outlets, inserts } = controlledOutlets();
    const live = documentFor('q', outlets);
    const [continued, gapped] = [new Y.Doc(), new Y.Doc()];
    const first = edit(continued, 'first ');
    edit(gapped, 'never here ');
    const afterGap = edit(gapped, 'after a gap ');
    // One step 2 (another process stored more than this one has heard of, say) with both.
    const step2 = settledState(live.submit(Y.mergeUpdates([first, afterGap]), 'a', 'alice', { kind: 'step2' }));
    const next = settledState(live.submit(edit(continued, 'next'), 'a', 'alice'));
    const gappedNext = await live.submit(edit(gapped, 'more'), 'a', 'alice').catch((error: unknown) => error);
    expect(gappedNext).toMatchObject({ code: 'unavailable', details: { reason: 'gap' } });
    await nextTurn();
    inserts.forEach((insert) => insert.finish());
    await live.settle();
    expect([step2.value, next.value]).toEqual(['stored', 'stored']);
  });

  it('is busy (not to be unloaded) while an update is being checked for it', async () => {
    const live = documentFor('k', controlledOutlets().outlets);
    let finish!: () => void;
    const checking = live.whileAdmitting(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(live.busy).toBe(true);
    finish();
    await checking;
    expect(live.busy).toBe(false);
  });

  it('refuses, after an edit of a batch that does not apply, what its copy sent after it in the same batch', async () => {
    const { outlets, inserts, broadcasts } = controlledOutlets();
    const live = documentFor('b', outlets);
    const unappliable = new Uint8Array(Buffer.from(UNAPPLIABLE_UPDATE, 'base64'));
    const { from, to } = Y.parseUpdateMeta(unappliable);
    const [client] = [...from.keys()];
    // Sent right after it by the same copy (its clocks continue it), and an edit of another copy.
    const after = edit(new Y.Doc(), 'after ');
    const refused = live.submit(unappliable, 'm', 'mallory').catch((error: unknown) => error);
    const following = live.submit(after, 'm', 'mallory', { clocks: new Map([[client!, { from: to.get(client!)!, to: to.get(client!)! + 1 }]]) }).catch((error: unknown) => error);
    const other = settledState(live.submit(edit(new Y.Doc(), 'other '), 'b', 'bob'));
    await nextTurn();
    expect(await refused).toMatchObject({ code: 'validation_failed' });
    expect(await following).toMatchObject({ code: 'unavailable', details: { reason: 'gap' } });
    expect(textOf(broadcasts)).toBe('other ');
    inserts[0]!.finish();
    await live.settle();
    expect(other.value).toBe('stored');
  });

  it('counts bytes submitted here and relayed from elsewhere, and takes a new measurement plus what is still on its way', async () => {
    const { outlets, inserts } = controlledOutlets();
    const live = documentFor('w', outlets, { storedBytes: 100, logLength: 1 });
    const local = edit(new Y.Doc(), 'local ');
    const relayed = edit(new Y.Doc(), 'relayed ');
    const waiting = settledState(live.submit(local, 'a', 'alice'));
    live.applyStored(relayed);
    expect(live.storedBytes).toBe(100 + local.byteLength + relayed.byteLength);
    // Compaction shrank what is stored to 60 bytes; the local edit is not stored yet.
    live.remeasured(60);
    expect(live.storedBytes).toBe(60 + local.byteLength);
    await nextTurn();
    inserts[0]!.finish();
    await live.settle();
    expect(waiting.value).toBe('stored');
    live.remeasured(70);
    expect(live.storedBytes).toBe(70);
  });

  it('catches up from storage: applies what it lacked, sends only that to the room, and takes the stored size', () => {
    const { outlets, broadcasts } = controlledOutlets();
    const author = new Y.Doc();
    const known = edit(author, 'known ');
    const live = documentFor('c', outlets, { storedBytes: known.byteLength, logLength: 1 });
    Y.applyUpdate(live.doc, known);

    // Nothing missed: nothing sent.
    live.catchUp([known], known.byteLength);
    expect(broadcasts).toHaveLength(0);

    // Two updates stored elsewhere whose relays never came (an insert and a deletion).
    const missedInsert = edit(author, 'missed');
    let missedDelete: Uint8Array | null = null;
    author.once('update', (update: Uint8Array) => (missedDelete = update));
    author.getText('notes').delete(0, 'known '.length);
    live.catchUp([known, missedInsert, missedDelete!], 500);
    expect(live.doc.getText('notes').toString()).toBe('missed');
    expect(broadcasts).toHaveLength(1);
    expect(textOf([known, broadcasts[0]!])).toBe('missed');
    expect(live.storedBytes).toBe(500);
  });
});

describe('LiveDocument bookkeeping', () => {
  it('remembers sockets taken out of the room for a while, then forgets them', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const live = documentFor('x', controlledOutlets().outlets);
      live.markEvicted('early');
      vi.advanceTimersByTime(60_000);
      live.markEvicted('later');
      // An update of a socket taken out a minute ago may still be on its way: both are remembered.
      expect([...live.evicted.keys()]).toEqual(['early', 'later']);
      vi.advanceTimersByTime(10 * 60_000 + 1);
      live.markEvicted('last');
      expect([...live.evicted.keys()]).toEqual(['last']);
      live.destroy();
    } finally {
      vi.useRealTimers();
    }
  });
});
