import type { LoginBody, SessionResponse } from '$shared/schemas/auth.ts';
import { api, ApiError } from '$lib/api/client.ts';
import { closeSocket } from '$lib/realtime/socket.ts';
import { session } from '$lib/session.svelte.ts';

/** Asks the server who is signed in; a 401 means nobody. Other failures are thrown. */
export async function loadSession(): Promise<void> {
  try {
    session.set(await api.get<SessionResponse>('/api/auth/session'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      session.clear();
      return;
    }
    throw error;
  }
}

/** Signs in; the socket is recreated on next use so it carries the new session cookie. */
export async function signIn(credentials: LoginBody): Promise<void> {
  // Closed first: the socket of a session this login replaces is told it ended, and must not take
  // this page to the sign-in form as the new session starts.
  closeSocket();
  const response = await api.post<SessionResponse>('/api/auth/login', credentials);
  session.set(response);
}

/** Signs out; the session is forgotten locally even when the server call fails. */
export async function signOut(): Promise<void> {
  try {
    await api.post('/api/auth/logout');
  } finally {
    closeSocket();
    session.clear();
  }
}
