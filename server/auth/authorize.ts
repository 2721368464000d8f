import { errors } from '../../shared/errors.ts';
import { actionLabels, can, type Action, type ActionSubjects } from '../../shared/policies/index.ts';
import type { Actor } from '../../shared/roles.ts';

/** Throws `forbidden` unless the shared policy allows it: the one gate for routes and sockets alike. */
export function authorize<A extends Action>(actor: Actor | null | undefined, action: A, subject: ActionSubjects[A]): asserts actor is Actor {
  if (!can(actor, action, subject)) throw errors.forbidden(`You may not ${actionLabels[action]}.`, { action });
}
