import type { Actor } from '../roles.ts';
import { auditPolicy } from './audit.ts';
import { coursePolicy } from './course.ts';
import { evaluationPolicy, type EvaluationSubject } from './evaluation.ts';

export type { EvaluationSubject, PanelSeatFacts, SeatRole } from './evaluation.ts';
export { activeSeat } from './evaluation.ts';

/** Every action a policy rules on, with the subject it needs (`null` when none). */
export interface ActionSubjects {
  'evaluation.create': null;
  'evaluation.list': null;
  'evaluation.read': EvaluationSubject;
  'evaluation.transition': EvaluationSubject;
  'panel.manage': EvaluationSubject;
  'conflict.declare': EvaluationSubject;
  'worksheet.read': EvaluationSubject;
  'worksheet.write': EvaluationSubject;
  'dashboard.watch': null;
  'course.list': null;
  'audit.read': null;
  'audit.verify': null;
}
export type Action = keyof ActionSubjects;

/** How a refusal names the action to a person: "You may not <label>." */
export const actionLabels: Record<Action, string> = {
  'evaluation.create': 'create evaluations',
  'evaluation.list': 'see evaluations',
  'evaluation.read': 'see this evaluation',
  'evaluation.transition': 'change this evaluation',
  'panel.manage': 'change this panel',
  'conflict.declare': 'declare a conflict on this evaluation',
  'worksheet.read': 'open this worksheet',
  'worksheet.write': 'edit this worksheet',
  'dashboard.watch': 'watch the evaluations dashboard',
  'course.list': 'see courses',
  'audit.read': 'read the audit log',
  'audit.verify': 'verify the audit log',
};

const rules: { [A in Action]: (actor: Actor, subject: ActionSubjects[A]) => boolean } = {
  'evaluation.create': (actor) => evaluationPolicy.create(actor),
  'evaluation.list': (actor) => evaluationPolicy.list(actor),
  'evaluation.read': (actor, subject) => evaluationPolicy.read(actor, subject),
  'evaluation.transition': (actor, subject) => evaluationPolicy.transition(actor, subject),
  'panel.manage': (actor, subject) => evaluationPolicy.managePanel(actor, subject),
  'conflict.declare': (actor, subject) => evaluationPolicy.declareConflict(actor, subject),
  'worksheet.read': (actor, subject) => evaluationPolicy.readWorksheet(actor, subject),
  'worksheet.write': (actor, subject) => evaluationPolicy.writeWorksheet(actor, subject),
  'dashboard.watch': (actor) => evaluationPolicy.watchDashboard(actor),
  'course.list': (actor) => coursePolicy.list(actor),
  'audit.read': (actor) => auditPolicy.read(actor),
  'audit.verify': (actor) => auditPolicy.verify(actor),
};

/** The single question every route, socket event and page asks: may this actor do this? */
export function can<A extends Action>(actor: Actor | null | undefined, action: A, subject: ActionSubjects[A]): boolean {
  if (!actor) return false;
  return rules[action](actor, subject);
}

/** The actions an actor may take without a subject, for the UI to show or hide controls. */
export type GlobalAbilities = Record<'evaluation.create' | 'dashboard.watch' | 'course.list' | 'audit.read', boolean>;

/** Abilities carried in responses so the UI never re-derives the rules. */
export function globalAbilities(actor: Actor | null | undefined): GlobalAbilities {
  return {
    'evaluation.create': can(actor, 'evaluation.create', null),
    'dashboard.watch': can(actor, 'dashboard.watch', null),
    'course.list': can(actor, 'course.list', null),
    'audit.read': can(actor, 'audit.read', null),
  };
}
