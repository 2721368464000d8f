import { errors } from '../../shared/errors.ts';
import { can, type EvaluationSubject } from '../../shared/policies/index.ts';
import type { Actor } from '../../shared/roles.ts';
import { authorize } from '../auth/authorize.ts';

/**
 * `panel.manage`, with a refusal that says why: a coordinator who may manage panels, just not in
 * this phase, hears about the phase (409 wrong_phase); anyone else gets the policy's 403.
 */
export function authorizePanelChange(actor: Actor, subject: EvaluationSubject): void {
  if (can(actor, 'panel.manage', subject)) return;
  if (can(actor, 'panel.manage', { ...subject, status: 'panel_forming' })) {
    throw errors.conflict(`The panel can only change during intake or panel forming; this evaluation is in ${subject.status.replaceAll('_', ' ')}.`, {
      reason: 'wrong_phase',
      status: subject.status,
    });
  }
  authorize(actor, 'panel.manage', subject);
}
