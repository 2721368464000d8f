import type { Actor } from '../roles.ts';

/** Who may read and check the audit log. */
export const auditPolicy = {
  read: (actor: Actor) => actor.role === 'admin',
  verify: (actor: Actor) => actor.role === 'admin',
};
