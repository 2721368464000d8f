import type { Actor } from '../roles.ts';

/** Coordinators take courses in; admins manage providers and may correct any course. */
const takesInCourses = (actor: Actor) => actor.role === 'coordinator' || actor.role === 'admin';

/** Who may see and change providers and courses. */
export const coursePolicy = {
  list: (actor: Actor) => takesInCourses(actor),
  create: (actor: Actor) => takesInCourses(actor),
  update: (actor: Actor) => takesInCourses(actor),
  import: (actor: Actor) => takesInCourses(actor),
  createProvider: (actor: Actor) => takesInCourses(actor),
};
