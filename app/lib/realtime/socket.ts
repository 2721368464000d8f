import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import { io, type Socket } from 'socket.io-client';
import type { ErrorBody } from '$shared/errors.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '$shared/realtime/events.ts';
import { session } from '$lib/session.svelte.ts';

export type QuorumSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ServerEvent = keyof ServerToClientEvents;
export type ServerPayload<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];

let socket: QuorumSocket | null = null;

function endSession(): void {
  closeSocket();
  session.clear();
  void goto(resolve('/login'));
}

/** The one socket of this tab, created on first use; it authenticates with the session cookie. */
export function getSocket(): QuorumSocket {
  if (socket) return socket;
  const created: QuorumSocket = io({ path: '/socket.io', withCredentials: true });
  created.on('session.ended', () => endSession());
  created.on('connect_error', (error) => {
    // A refusal by the auth middleware is not retried by Socket.IO: the session is gone.
    const data = (error as Error & { data?: unknown }).data;
    if (typeof data === 'object' && data !== null && (data as { code?: unknown }).code === 'unauthenticated') endSession();
  });
  socket = created;
  return created;
}

/** Drops the socket (on sign-out, or when the session ends) so the next user gets a fresh one. */
export function closeSocket(): void {
  if (!socket) return;
  socket.removeAllListeners();
  socket.disconnect();
  socket = null;
}

/** Listens to one server event; returns the function that stops listening. */
export function onServerEvent<E extends ServerEvent>(event: E, listener: (payload: ServerPayload<E>) => void): () => void {
  const target = getSocket();
  // Socket.IO's listener typing is not generic over a key union; the payload type is checked above.
  const handler = listener as unknown as ServerToClientEvents[E];
  target.on(event, handler as never);
  return () => {
    target.off(event, handler as never);
  };
}

/**
 * Joins the dashboard room on every (re)connect and calls `onSync` once joined, so the caller
 * refetches whatever it may have missed while disconnected. Returns the function that stops it.
 */
export function watchDashboard(onSync: () => void, onError?: (error: ErrorBody) => void): () => void {
  const target = getSocket();
  const join = () => {
    target.emit('dashboard.watch', {}, (response) => {
      if (response.ok) onSync();
      else onError?.(response.error);
    });
  };
  target.on('connect', join);
  if (target.connected) join();
  return () => {
    target.off('connect', join);
  };
}

/** Reports whether the socket is connected now and on every change; returns the unsubscribe. */
export function onConnectionChange(listener: (connected: boolean) => void): () => void {
  const target = getSocket();
  const up = () => listener(true);
  const down = () => listener(false);
  target.on('connect', up);
  target.on('disconnect', down);
  listener(target.connected);
  return () => {
    target.off('connect', up);
    target.off('disconnect', down);
  };
}
