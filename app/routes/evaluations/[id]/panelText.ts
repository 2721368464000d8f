import { conflictReasonLabels, type ConflictReason } from '$shared/domain/conflicts.ts';
import { matchPlaceLabels } from '$shared/domain/expertise.ts';
import type { ExpertiseMatchView } from '$shared/schemas/panel.ts';

export const seatRoleLabels = { chair: 'Chair', subject_expert: 'Subject expert', member: 'Member' } as const;

export const conflictBadges: Record<ConflictReason, string> = {
  same_institution: 'Same institution',
  same_email_domain: 'Partner email domain',
  declared: 'Declared',
};

/** "genetics in the title (+2)" */
export function matchText(match: ExpertiseMatchView): string {
  return `“${match.term}” in ${matchPlaceLabels[match.where]} (+${match.points})`;
}

/** A sentence naming every conflict, for the override dialog. */
export function conflictSentence(reasons: readonly ConflictReason[]): string {
  return reasons.map((reason) => conflictReasonLabels[reason]).join('; ');
}
