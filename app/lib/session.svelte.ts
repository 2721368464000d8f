import type { SessionResponse, User } from '$shared/schemas/auth.ts';

export type SessionStatus = 'unknown' | 'signed_in' | 'signed_out';

/** Who is signed in, the CSRF token their writes carry, and what the server says they may do. */
class SessionState {
  status = $state<SessionStatus>('unknown');
  user = $state<User | null>(null);
  csrfToken = $state<string | null>(null);
  abilities = $state<Record<string, boolean>>({});
  /** The user's role changed while this page held unsaved work: it reloads once that is saved. */
  roleChanged = $state(false);

  /** True when the server granted `action` to the signed-in user. */
  can(action: string): boolean {
    return this.abilities[action] === true;
  }

  /** Stores a session answer from login or GET /api/auth/session. */
  set(response: SessionResponse): void {
    this.user = response.user;
    this.csrfToken = response.csrfToken;
    this.abilities = response.abilities;
    this.status = 'signed_in';
  }

  /** Merges abilities that a later response carries (they may change while signed in). */
  updateAbilities(abilities: Record<string, boolean>): void {
    this.abilities = { ...this.abilities, ...abilities };
  }

  /** Forgets the user; the layout then sends the browser to /login. */
  clear(): void {
    this.user = null;
    this.csrfToken = null;
    this.abilities = {};
    this.status = 'signed_out';
  }
}

export const session = new SessionState();
