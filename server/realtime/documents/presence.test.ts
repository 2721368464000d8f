import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { DocumentPresence, PRESENCE_FORGET_MS, PRESENCE_IDS_PER_CONNECTION } from './awareness.ts';

/** What a client sends to show a presence under `clientId`, then to take it away. */
function showAndClear(clientId: number): [Uint8Array, Uint8Array] {
  const client = new Awareness(new Y.Doc());
  client.clientID = clientId;
  // A client's first state under an id has clock 0, which y-protocols takes for nothing new: as a page's.
  client.setLocalState({});
  client.setLocalState({ cursor: { anchor: clientId % 100, head: clientId % 100 } });
  const shown = encodeAwarenessUpdate(client, [clientId]);
  client.setLocalState(null);
  const cleared = encodeAwarenessUpdate(client, [clientId]);
  client.destroy();
  return [shown, cleared];
}

describe('document presence bookkeeping', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('bounds how many presences one connection may show while joined, and forgets the clocks of those gone', () => {
    const presence = new DocumentPresence(new Y.Doc(), () => {});
    // One connection sets and clears fresh presences, never more than PRESENCE_PER_SOCKET at once.
    for (let index = 0; index < PRESENCE_IDS_PER_CONNECTION; index++) {
      const [shown, cleared] = showAndClear(1000 + index);
      presence.apply('socket-a', 'user-socket-a', shown, [1000 + index]);
      vi.advanceTimersByTime(100);
      presence.apply('socket-a', 'user-socket-a', cleared, [1000 + index]);
      vi.advanceTimersByTime(100);
    }
    expect(presence.awareness.getStates().size).toBe(0);
    expect(() => presence.apply('socket-a', 'user-socket-a', showAndClear(5000)[0], [5000])).toThrow(
      expect.objectContaining({ code: 'validation_failed', details: [expect.objectContaining({ message: `a connection may show at most ${PRESENCE_IDS_PER_CONNECTION} different presences in a document` })] }),
    );
    // Another connection (a reloaded page) starts afresh.
    presence.apply('socket-b', 'user-socket-b', showAndClear(6000)[0], [6000]);
    expect(presence.awareness.getStates().has(6000)).toBe(true);

    // The clocks of the presences that went away are kept a while (a late, older copy is refused)...
    expect(presence.rememberedClocks).toBe(1 + PRESENCE_IDS_PER_CONNECTION + 1);
    // ...and then forgotten; the one still shown stays.
    vi.advanceTimersByTime(PRESENCE_FORGET_MS * 2);
    expect(presence.rememberedClocks).toBe(2);
    expect(presence.awareness.getStates().has(6000)).toBe(true);
    presence.destroy();
  });

  it('lets a user who moved here from another process show their presence under the id it showed there', () => {
    const presence = new DocumentPresence(new Y.Doc(), () => {});
    const page = (clientId: number) => {
      const client = new Awareness(new Y.Doc());
      client.clientID = clientId;
      return { client, update: () => encodeAwarenessUpdate(client, [clientId]) };
    };
    // Shown through another process (stamped there with its user), which then stopped: its copy lingers.
    const moved = page(7000);
    moved.client.setLocalState({});
    moved.client.setLocalState({ user: { id: 'user-x', name: 'X' } });
    presence.applyRemote(moved.update());
    // The same page, connected here now (its connection busy: its presence changes wait for their
    // turn), shows it again under a newer clock: taken over.
    const busy = page(7001);
    for (let change = 0; change < 45; change++) {
      busy.client.setLocalState({ change });
      presence.apply('socket-b', 'user-x', busy.update(), [7001]);
    }
    moved.client.setLocalState({ user: { id: 'user-x', name: 'X' }, cursor: { anchor: 1, head: 1 } });
    presence.apply('socket-b', 'user-x', moved.update(), [7000]);
    vi.advanceTimersByTime(1_000);
    expect(presence.awareness.getStates().get(7000)).toMatchObject({ cursor: { anchor: 1, head: 1 } });
    // The other process times out the old connection later and relays its removal (a newer clock):
    // the presence is this process's to show now, and stays.
    const removal = new Awareness(new Y.Doc());
    removal.clientID = 7000;
    removal.setLocalState(null);
    removal.meta.set(7000, { clock: 99, lastUpdated: 0 });
    presence.applyRemote(encodeAwarenessUpdate(removal, [7000]));
    expect(presence.awareness.getStates().get(7000)).toMatchObject({ cursor: { anchor: 1, head: 1 } });

    // Another user may not take over a presence another process shows.
    const other = page(7100);
    other.client.setLocalState({});
    other.client.setLocalState({ user: { id: 'user-x', name: 'X' } });
    presence.applyRemote(other.update());
    other.client.setLocalState({ user: { id: 'user-x', name: 'X' }, cursor: null });
    expect(() => presence.apply('socket-c', 'user-y', other.update(), [7100])).toThrow(expect.objectContaining({ code: 'forbidden' }));

    // An id relayed with nothing shown under it (a first, clock-0 state, which y-protocols ignores) bars nobody.
    const unshown = page(7200);
    unshown.client.setLocalState({ user: { id: 'user-x', name: 'X' } });
    presence.applyRemote(unshown.update());
    expect(presence.awareness.getStates().has(7200)).toBe(false);
    unshown.client.setLocalState({ user: { id: 'user-z', name: 'Z' } });
    presence.apply('socket-d', 'user-z', unshown.update(), [7200]);
    expect(presence.awareness.getStates().has(7200)).toBe(true);
    presence.destroy();
  });
});
