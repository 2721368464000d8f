import type { Actor } from '../roles.ts';

/** Who may see and change courses. */
export const coursePolicy = {
  list: (actor: Actor) => actor.role === 'coordinator' || actor.role === 'admin',
};
