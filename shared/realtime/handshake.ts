import { z } from 'zod';

/**
 * What a page tells the server as its socket connects (Socket.IO's `auth`, sent at every connect;
 * the client adds its own recovery fields, `pid` and `offset`, which pass through): the role it was
 * loaded under, so that a connection made after the user's role changed (while the page was
 * offline) starts the page over, as the server's periodic re-check does for a connected one.
 */
export const socketHandshakeSchema = z.looseObject({
  // Any name, not only today's roles: a page loaded under a role since renamed or removed is one
  // whose role changed (it starts over), not a malformed connection retried for good.
  pageRole: z.string().max(40).optional(),
});
export type SocketHandshake = z.infer<typeof socketHandshakeSchema>;
