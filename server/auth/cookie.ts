/** The session cookie's base name. */
export const SESSION_COOKIE = 'quorum_session';

/**
 * The session cookie's name: with the `__Host-` prefix once cookies are secure, so a browser takes
 * it only from this host, over https, for every path, and no sibling subdomain can plant its own
 * (a `Domain=` cookie of the same name with a longer path would otherwise be sent first and sign the
 * victim's requests in as the attacker).
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

/** The device cookie's base name: a browser that signed in to an account before (see accountThrottle.ts). */
export const DEVICE_COOKIE = 'quorum_device';

/** The device cookie's name, with the `__Host-` prefix once cookies are secure (as the session cookie's). */
export function deviceCookieName(secure: boolean): string {
  return secure ? `__Host-${DEVICE_COOKIE}` : DEVICE_COOKIE;
}
