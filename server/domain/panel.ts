import { alias } from 'drizzle-orm/pg-core';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { detectConflicts, type ConflictReason } from '../../shared/domain/conflicts.ts';
import { scoreExpertise } from '../../shared/domain/expertise.ts';
import { can, type EvaluationSubject } from '../../shared/policies/index.ts';
import type { Actor } from '../../shared/roles.ts';
import type { Panel, PanelSeat, ReviewerSuggestion } from '../../shared/schemas/panel.ts';
import type { DbOrTx } from '../db/client.ts';
import { conflictDeclarations, courses, panelSeats, users } from '../db/schema.ts';
import type { EvaluationRow } from './evaluations.ts';

const seatOrder = { chair: 0, subject_expert: 1, member: 2 } as const;

export type CourseRow = typeof courses.$inferSelect;

/** The course an evaluation reviews. */
export async function courseOf(db: DbOrTx, evaluation: EvaluationRow): Promise<CourseRow> {
  const [course] = await db.select().from(courses).where(eq(courses.id, evaluation.courseId));
  if (!course) throw new Error(`evaluation ${evaluation.id} has no course`);
  return course;
}

/** Every conflict reason a reviewer has on an evaluation's course, detected or declared (overrides aside). */
export async function conflictsOf(
  db: DbOrTx,
  evaluationId: string,
  reviewer: { id: string; email: string; institution: string },
  course: Pick<CourseRow, 'partnerInstitution' | 'partnerDomain'>,
): Promise<ConflictReason[]> {
  const declared = await db
    .select({ reason: conflictDeclarations.reason })
    .from(conflictDeclarations)
    .where(and(eq(conflictDeclarations.evaluationId, evaluationId), eq(conflictDeclarations.reviewerId, reviewer.id)));
  return detectConflicts({ reviewer, course, declarations: declared.map((row) => row.reason) });
}

/** The panel as this actor may see it: seats (with conflicts for coordinators), declarations, abilities. */
export async function loadPanel(db: DbOrTx, actor: Actor, evaluation: EvaluationRow, subject: EvaluationSubject): Promise<Panel> {
  const seatedBy = alias(users, 'seated_by');
  const readConflicts = can(actor, 'panel.readConflicts', null);
  // One query at a time: on a transaction's client, concurrent queries are deprecated by node-postgres.
  const course = await courseOf(db, evaluation);
  const seatRows = await db
      .select({ seat: panelSeats, reviewer: users, seatedBy: seatedBy.name })
      .from(panelSeats)
      .innerJoin(users, eq(users.id, panelSeats.reviewerId))
      .innerJoin(seatedBy, eq(seatedBy.id, panelSeats.seatedBy))
      .where(and(eq(panelSeats.evaluationId, evaluation.id), isNull(panelSeats.removedAt)))
      .orderBy(asc(panelSeats.createdAt));
  const declarationRows = await db
      .select({ declaration: conflictDeclarations, reviewer: { id: users.id, name: users.name } })
      .from(conflictDeclarations)
      .innerJoin(users, eq(users.id, conflictDeclarations.reviewerId))
      .where(eq(conflictDeclarations.evaluationId, evaluation.id))
      .orderBy(asc(conflictDeclarations.createdAt));
  const seats: PanelSeat[] = seatRows.map(({ seat, reviewer, seatedBy: seatedByName }) => {
    const declared = declarationRows.filter((row) => row.reviewer.id === reviewer.id).map((row) => row.declaration.reason);
    const standing = subject.seats.find((facts) => facts.reviewerId === reviewer.id)?.conflicted ?? false;
    return {
      id: seat.id,
      reviewer: { id: reviewer.id, name: reviewer.name, institution: reviewer.institution, email: reviewer.email },
      seatRole: seat.seatRole,
      seatedAt: seat.createdAt.toISOString(),
      seatedBy: seatedByName,
      conflict: readConflicts
        ? { reasons: detectConflicts({ reviewer, course, declarations: declared }), override: seat.conflictOverride, standing }
        : null,
    };
  });
  seats.sort((a, b) => seatOrder[a.seatRole] - seatOrder[b.seatRole]);
  return {
    evaluationId: evaluation.id,
    status: evaluation.status,
    panelSize: evaluation.panelSize,
    seats,
    declarations: readConflicts
      ? declarationRows.map(({ declaration, reviewer }) => ({
          id: declaration.id,
          reviewer,
          reason: declaration.reason,
          declaredAt: declaration.createdAt.toISOString(),
        }))
      : [],
    abilities: {
      manage: can(actor, 'panel.manage', subject),
      declareConflict: can(actor, 'conflict.declare', subject),
      readConflicts,
    },
  };
}

/**
 * Reviewers not yet seated, ranked by how their expertise matches the course (see scoreExpertise),
 * with any conflict of interest named so the coordinator sees why a seat would be refused.
 */
export async function suggestReviewers(db: DbOrTx, evaluation: EvaluationRow, limit = 50): Promise<ReviewerSuggestion[]> {
  // One query at a time: on a transaction's client, concurrent queries are deprecated by node-postgres.
  const course = await courseOf(db, evaluation);
  const reviewers = await db.select().from(users).where(and(eq(users.role, 'reviewer'), isNull(users.disabledAt)));
  const seated = await db
      .select({ reviewerId: panelSeats.reviewerId })
      .from(panelSeats)
      .where(and(eq(panelSeats.evaluationId, evaluation.id), isNull(panelSeats.removedAt)));
  const declarations = await db.select().from(conflictDeclarations).where(eq(conflictDeclarations.evaluationId, evaluation.id));
  const seatedIds = new Set(seated.map((seat) => seat.reviewerId));
  const suggestions = reviewers
    .filter((reviewer) => !seatedIds.has(reviewer.id))
    .map((reviewer) => {
      const declared = declarations.filter((row) => row.reviewerId === reviewer.id).map((row) => row.reason);
      const { score, matches } = scoreExpertise(reviewer.expertise, course);
      return {
        reviewer: { id: reviewer.id, name: reviewer.name, institution: reviewer.institution, email: reviewer.email, expertise: reviewer.expertise },
        score,
        matches,
        conflicts: detectConflicts({ reviewer, course, declarations: declared }),
      };
    });
  suggestions.sort(
    (a, b) =>
      b.score - a.score ||
      Number(a.conflicts.length > 0) - Number(b.conflicts.length > 0) ||
      a.reviewer.name.localeCompare(b.reviewer.name),
  );
  return suggestions.slice(0, limit);
}
