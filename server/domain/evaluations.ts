import { and, eq, inArray, isNull } from 'drizzle-orm';
import { declarationStands, detectConflicts } from '../../shared/domain/conflicts.ts';
import type { EvaluationSubject, PanelSeatFacts } from '../../shared/policies/index.ts';
import type { EvaluationContext, EvaluationState } from '../../shared/workflow/evaluation.ts';
import type { DbOrTx } from '../db/client.ts';
import { conflictDeclarations, courses, evaluations, panelSeats, users } from '../db/schema.ts';

export type EvaluationRow = typeof evaluations.$inferSelect;

/** Loads one evaluation row, optionally locking it for the rest of the transaction. */
export async function findEvaluation(db: DbOrTx, id: string, options: { forUpdate?: boolean } = {}): Promise<EvaluationRow | null> {
  const query = db.select().from(evaluations).where(eq(evaluations.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

/**
 * The facts policies read about evaluations: current seats, each marked conflicted when a detected
 * or declared conflict stands. A coordinator's override covers the conflicts known when it was made;
 * a conflict declared afterwards bars the reviewer again, at once.
 */
export async function loadEvaluationSubjects(db: DbOrTx, rows: readonly EvaluationRow[]): Promise<Map<string, EvaluationSubject>> {
  const subjects = new Map<string, EvaluationSubject>();
  if (rows.length === 0) return subjects;
  const ids = rows.map((row) => row.id);
  // One query at a time: on a transaction's client, concurrent queries are deprecated by node-postgres.
  const seatRows = await db
      .select({ seat: panelSeats, reviewer: { email: users.email, institution: users.institution } })
      .from(panelSeats)
      .innerJoin(users, eq(users.id, panelSeats.reviewerId))
      .where(and(inArray(panelSeats.evaluationId, ids), isNull(panelSeats.removedAt)));
  const declarationRows = await db.select().from(conflictDeclarations).where(inArray(conflictDeclarations.evaluationId, ids));
  const courseRows = await db
      .select({ id: courses.id, partnerInstitution: courses.partnerInstitution, partnerDomain: courses.partnerDomain })
      .from(courses)
      .where(inArray(courses.id, [...new Set(rows.map((row) => row.courseId))]));
  const courseById = new Map(courseRows.map((course) => [course.id, course]));
  for (const row of rows) {
    const course = courseById.get(row.courseId);
    const seats: PanelSeatFacts[] = seatRows
      .filter(({ seat }) => seat.evaluationId === row.id)
      .map(({ seat, reviewer }) => {
        const declared = declarationRows.filter(
          (declaration) =>
            declaration.evaluationId === row.id &&
            declaration.reviewerId === seat.reviewerId &&
            declarationStands(seat, declaration),
        );
        const reasons = course
          ? detectConflicts({ reviewer, course, declarations: declared.map((declaration) => declaration.reason) })
          : [];
        const standing = seat.conflictOverride === null ? reasons : reasons.filter((reason) => reason === 'declared');
        return { reviewerId: seat.reviewerId, seatRole: seat.seatRole, conflicted: standing.length > 0 };
      });
    subjects.set(row.id, { id: row.id, status: row.status as EvaluationState, seats });
  }
  return subjects;
}

/** The policy facts of one evaluation. */
export async function loadEvaluationSubject(db: DbOrTx, row: EvaluationRow): Promise<EvaluationSubject> {
  const subject = (await loadEvaluationSubjects(db, [row])).get(row.id);
  if (!subject) throw new Error(`no subject for evaluation ${row.id}`);
  return subject;
}

/** Facts loaded beside the row and subject (e.g. by `loadMotionFacts` in ./motions.ts); absent ones read as "nothing yet". */
export interface EvaluationFacts {
  motion?: EvaluationContext['motion'];
  /** Reviewers whose independent review is submitted (see `loadSubmittedReviewerIds` in ./reviews.ts). */
  submittedReviewerIds?: readonly string[];
}

/** The facts the Evaluation workflow guards read. */
export function evaluationContext(
  row: Pick<EvaluationRow, 'panelSize' | 'conditions' | 'conditionsMetOn'>,
  subject: EvaluationSubject,
  facts: EvaluationFacts = {},
): EvaluationContext {
  const seated = subject.seats.filter((seat) => !seat.conflicted);
  // Only current, unconflicted panelists' reviews count: a removed or conflicted reviewer's review does not.
  const submitted = seated.filter((seat) => facts.submittedReviewerIds?.includes(seat.reviewerId) === true).length;
  return {
    panel: {
      size: row.panelSize,
      seated: seated.length,
      hasChair: seated.some((seat) => seat.seatRole === 'chair'),
      unresolvedConflicts: subject.seats.length - seated.length,
    },
    reviews: { submitted },
    motion: facts.motion ?? null,
    conditions: { count: row.conditions.length, met: row.conditionsMetOn !== null },
  };
}
