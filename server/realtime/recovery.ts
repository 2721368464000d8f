/** A session as the adapter restores it for connection state recovery: its rooms and the packets it missed. */
export interface RecoveredSession {
  rooms: string[];
  data: unknown;
  /** Each packet's data: `[event, payload, offset]`. */
  missedPackets: unknown[][];
}

interface RestoresSessions {
  restoreSession: (pid: string, offset: string) => Promise<RecoveredSession>;
}

/**
 * Wraps an adapter factory so that every restored session passes `recheck` before Socket.IO puts the
 * socket back in its rooms and replays what it missed. `recheck` edits the session in place; if it
 * throws, the restore fails and the client starts a fresh session (and resyncs by refetching).
 */
export function recheckRestoredSessions<Nsp, A extends RestoresSessions>(
  factory: (nsp: Nsp) => A,
  recheck: (session: RecoveredSession) => Promise<void>,
): (nsp: Nsp) => A {
  // Socket.IO calls the factory with `new`: a plain function (not an arrow) that returns the adapter.
  return function restoringAdapter(nsp: Nsp): A {
    const adapter = factory(nsp);
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      await recheck(session);
      return session;
    };
    return adapter;
  };
}
