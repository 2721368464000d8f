import type { Actor } from '../roles.ts';
import { auditPolicy } from './audit.ts';
import { coursePolicy } from './course.ts';
import { evaluationPolicy, type EvaluationSubject } from './evaluation.ts';
import { panelPolicy } from './panel.ts';
import { recommendationPolicy } from './recommendation.ts';
import { reviewPolicy, type ReviewSubject } from './review.ts';

export type { EvaluationSubject, PanelSeatFacts, SeatRole } from './evaluation.ts';
export { activeSeat } from './evaluation.ts';
export type { ReviewSubject } from './review.ts';

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
  'course.create': null;
  'course.update': null;
  'course.import': null;
  'provider.create': null;
  'panel.read': EvaluationSubject;
  'panel.readConflicts': null;
  'review.read_own': EvaluationSubject;
  'review.write': EvaluationSubject;
  'review.read_panel': ReviewSubject;
  'review.progress': null;
  'review.summary': ReviewSubject;
  'motion.put': EvaluationSubject;
  'motion.vote': EvaluationSubject;
  'recommendation.publish': EvaluationSubject;
  'recommendation.revoke': EvaluationSubject;
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
  'course.create': 'add courses',
  'course.update': 'edit courses',
  'course.import': 'import courses',
  'provider.create': 'add providers',
  'panel.read': 'see this panel',
  'panel.readConflicts': 'see conflicts of interest',
  'review.read_own': 'see your review of this evaluation',
  'review.write': 'write a review of this evaluation',
  'review.read_panel': "see the panel's reviews yet",
  'review.progress': 'see review progress',
  'review.summary': 'see the deliberation summary',
  'motion.put': 'put a motion to this panel',
  'motion.vote': 'vote on this motion',
  'recommendation.publish': 'finalize or publish this recommendation',
  'recommendation.revoke': 'revoke this recommendation',
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
  'course.create': (actor) => coursePolicy.create(actor),
  'course.update': (actor) => coursePolicy.update(actor),
  'course.import': (actor) => coursePolicy.import(actor),
  'provider.create': (actor) => coursePolicy.createProvider(actor),
  'panel.read': (actor, subject) => panelPolicy.read(actor, subject),
  'panel.readConflicts': (actor) => panelPolicy.readConflicts(actor),
  'review.read_own': (actor, subject) => reviewPolicy.readOwn(actor, subject),
  'review.write': (actor, subject) => reviewPolicy.write(actor, subject),
  'review.read_panel': (actor, subject) => reviewPolicy.readPanel(actor, subject),
  'review.progress': (actor) => reviewPolicy.progress(actor),
  'review.summary': (actor, subject) => reviewPolicy.summary(actor, subject),
  'motion.put': (actor, subject) => recommendationPolicy.putMotion(actor, subject),
  'motion.vote': (actor, subject) => recommendationPolicy.vote(actor, subject),
  'recommendation.publish': (actor, subject) => recommendationPolicy.publish(actor, subject),
  'recommendation.revoke': (actor, subject) => recommendationPolicy.revoke(actor, subject),
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
