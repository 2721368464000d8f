import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, inArray, isNull, lt } from 'drizzle-orm';
import type { Actor } from '../../shared/roles.ts';
import type { Database } from '../db/client.ts';
import { batchPerTurn } from '../infra/batchPerTurn.ts';
import { sessions, users } from '../db/schema.ts';

export interface SessionUser extends Actor {
  name: string;
  expertise: string[];
}

export interface ActiveSession {
  tokenHash: string;
  csrfToken: string;
  expiresAt: Date;
  user: SessionUser;
}

/** Sessions are stored by the sha256 of their token, never the token itself. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a server-side session; returns the cookie token (shown once) and the CSRF token. */
export async function createSession(db: Database, userId: string, ttlHours: number) {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlHours * 3_600_000);
  await db.insert(sessions).values({ tokenHash: hashToken(token), userId, csrfToken, expiresAt });
  return { token, csrfToken, expiresAt };
}

/** The hash a cookie token is stored under, or null for something that cannot be a token. */
function cookieTokenHash(token: string | undefined): string | null {
  return token && token.length <= 200 ? hashToken(token) : null;
}

/** Finds the live session for a cookie token, with its user; expired or disabled means none. */
export async function findSession(db: Database, token: string | undefined): Promise<ActiveSession | null> {
  const tokenHash = cookieTokenHash(token);
  return tokenHash ? ((await findSessionsByHash(db, [tokenHash])).get(tokenHash) ?? null) : null;
}

/** The live sessions (with their users) among `tokenHashes`, in one query; expired or disabled ones are left out. */
export async function findSessionsByHash(db: Database, tokenHashes: readonly string[]): Promise<Map<string, ActiveSession>> {
  const found = new Map<string, ActiveSession>();
  if (tokenHashes.length === 0) return found;
  const rows = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(inArray(sessions.tokenHash, [...tokenHashes]), gt(sessions.expiresAt, new Date()), isNull(users.disabledAt)));
  for (const row of rows) {
    found.set(row.session.tokenHash, {
      tokenHash: row.session.tokenHash,
      csrfToken: row.session.csrfToken,
      expiresAt: row.session.expiresAt,
      user: {
        id: row.user.id,
        email: row.user.email,
        name: row.user.name,
        role: row.user.role,
        institution: row.user.institution,
        expertise: row.user.expertise,
      },
    });
  }
  return found;
}

/** Looks sessions up for a burst of connections: the tokens asked for in one event-loop turn share one query. */
export function createSessionFinder(db: Database): (token: string | undefined) => Promise<ActiveSession | null> {
  const find = batchPerTurn((tokenHashes: string[]) => findSessionsByHash(db, tokenHashes));
  return async (token) => {
    const tokenHash = cookieTokenHash(token);
    return tokenHash ? ((await find(tokenHash)) ?? null) : null;
  };
}

/** Ends one session. */
export async function deleteSession(db: Database, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

/** Removes expired sessions (run periodically); returns their token hashes. */
export async function purgeExpiredSessions(db: Database): Promise<string[]> {
  const removed = await db.delete(sessions).where(lt(sessions.expiresAt, new Date())).returning({ tokenHash: sessions.tokenHash });
  return removed.map((row) => row.tokenHash);
}
