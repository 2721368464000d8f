/** Why a reviewer may not sit on a panel. */
export type ConflictReason = 'same_institution' | 'same_email_domain' | 'declared';

export interface ConflictFacts {
  reviewer: { email: string; institution: string };
  course: { partnerInstitution: string; partnerDomain: string | null };
  /** Reasons the reviewer declared for this evaluation. */
  declarations: readonly string[];
}

/**
 * Whether a declared conflict stands against a seat: a coordinator's override covers only what was
 * known when the reviewer was seated, so a declaration made after seating always stands.
 */
export function declarationStands(seat: { createdAt: Date; conflictOverride: unknown }, declaration: { createdAt: Date }): boolean {
  return seat.conflictOverride === null || declaration.createdAt > seat.createdAt;
}

function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** The email domain and its parent domains: `bio.duke.edu` also counts as `duke.edu`. */
function domainsOf(email: string): string[] {
  const domain = email.split('@')[1]?.toLowerCase() ?? '';
  const parts = domain.split('.');
  return parts.slice(0, -1).map((_, index) => parts.slice(index).join('.'));
}

/** Every conflict of interest between a reviewer and a course's provider partner, detected or declared. */
export function detectConflicts(facts: ConflictFacts): ConflictReason[] {
  const reasons: ConflictReason[] = [];
  if (normalize(facts.reviewer.institution) === normalize(facts.course.partnerInstitution)) reasons.push('same_institution');
  const partnerDomain = facts.course.partnerDomain?.toLowerCase();
  if (partnerDomain && domainsOf(facts.reviewer.email).includes(partnerDomain)) reasons.push('same_email_domain');
  if (facts.declarations.length > 0) reasons.push('declared');
  return reasons;
}

export const conflictReasonLabels: Record<ConflictReason, string> = {
  same_institution: 'works at the course’s partner institution',
  same_email_domain: 'has an email address at the partner institution’s domain',
  declared: 'declared a conflict of interest',
};
