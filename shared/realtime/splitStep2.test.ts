import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { splitStep2 } from './splitStep2.ts';

const REMOTE = Symbol('remote');

/** A server document with some notes, and a client synced with it that records its own edits. */
function syncedPair() {
  const server = new Y.Doc();
  server.getText('notes').insert(0, 'Agreed so far. ');
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server), REMOTE);
  const local: Uint8Array[] = [];
  client.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== REMOTE) local.push(update);
  });
  return { server, client, local };
}

/** Splits what `server` lacks of `client`, as the provider does after a join. */
function split(server: Y.Doc, client: Y.Doc, local: Uint8Array[], maxBytes: number) {
  const serverStateVector = Y.encodeStateVector(server);
  const missing = Y.encodeStateAsUpdate(client, serverStateVector);
  return { missing, pieces: splitStep2(client, missing, serverStateVector, local, maxBytes) };
}

function applied(server: Y.Doc, pieces: Uint8Array[]): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
  for (const piece of pieces) Y.applyUpdate(copy, piece);
  return copy;
}

describe('a sync step 2 split to fit the update size limit', () => {
  it('stays one update when it fits', () => {
    const { server, client, local } = syncedPair();
    client.getText('notes').insert(15, 'Three credits.');
    const { missing, pieces } = split(server, client, local, 64 * 1024);
    expect(pieces).toEqual([missing]);
  });

  it('splits a long offline session into pieces that each fit and together bring the server level', () => {
    const { server, client, local } = syncedPair();
    // Another panelist's edit the client received, which the server had not stored when it joined.
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(server));
    other.once('update', (update: Uint8Array) => Y.applyUpdate(client, update, REMOTE));
    other.getText('notes').insert(0, 'From Bob: ');
    // Then an hour of typing offline, paragraph by paragraph, and some deletions.
    const notes = client.getText('notes');
    for (let paragraph = 0; paragraph < 400; paragraph++) notes.insert(notes.length, `Paragraph ${paragraph}: ${'evidence '.repeat(120)}\n`);
    notes.delete(0, 4);
    client.getMap('draft').set('semesterHours', 3);

    const maxBytes = 64 * 1024;
    const { missing, pieces } = split(server, client, local, maxBytes);
    expect(missing.byteLength).toBeGreaterThan(maxBytes);
    expect(pieces.length).toBeGreaterThan(5);
    for (const piece of pieces) expect(piece.byteLength).toBeLessThanOrEqual(maxBytes);
    // Bob's edit goes first, on its own.
    expect(Y.decodeUpdate(pieces[0]!).structs.every((struct) => struct.id.client === other.clientID)).toBe(true);

    const level = applied(server, pieces);
    expect(level.getText('notes').toString()).toBe(notes.toString());
    expect(level.getMap('draft').get('semesterHours')).toBe(3);
    expect(Y.encodeStateVector(level)).toEqual(Y.encodeStateVector(client));
    // In any order: a piece that arrives before the one it builds on waits, then applies.
    expect(applied(server, [...pieces].reverse()).getText('notes').toString()).toBe(notes.toString());
  });

  it('leaves out what the server already holds, and keeps a transaction too large on its own as one piece', () => {
    const { server, client, local } = syncedPair();
    const notes = client.getText('notes');
    for (let paragraph = 0; paragraph < 50; paragraph++) notes.insert(notes.length, `${'x'.repeat(1000)}\n`);
    // The server stored the first ten edits before the connection dropped (their acks were lost).
    for (const update of local.slice(0, 10)) Y.applyUpdate(server, update);
    notes.insert(notes.length, 'y'.repeat(20_000)); // one paste
    for (let paragraph = 0; paragraph < 20; paragraph++) notes.insert(notes.length, `${'z'.repeat(1000)}\n`);

    const maxBytes = 16 * 1024;
    const { pieces } = split(server, client, local, maxBytes);
    const oversized = pieces.filter((piece) => piece.byteLength > maxBytes);
    expect(oversized).toHaveLength(1);
    expect(Y.decodeUpdate(oversized[0]!).structs).toHaveLength(1);
    const stored = Y.decodeStateVector(Y.encodeStateVector(server)).get(client.clientID)!;
    for (const piece of pieces) {
      for (const struct of Y.decodeUpdate(piece).structs) expect(struct.id.clock).toBeGreaterThanOrEqual(stored);
    }
    expect(applied(server, pieces).getText('notes').toString()).toBe(notes.toString());
  });
});
