import { and, asc, desc, eq, inArray, isNull, ne } from 'drizzle-orm';
import { declarationStands } from '../../shared/domain/conflicts.ts';
import { phraseCreditLine } from '../../shared/domain/creditLines.ts';
import { decideMotion, tallyVotes, type MotionDecision, type QuorumRule, type Tally } from '../../shared/domain/quorum.ts';
import type { EvaluationSubject } from '../../shared/policies/index.ts';
import type { MotionView, VoteView } from '../../shared/schemas/motion.ts';
import type { EvaluationContext } from '../../shared/workflow/evaluation.ts';
import type { DbOrTx } from '../db/client.ts';
import { conflictDeclarations, motions, panelSeats, users, votes } from '../db/schema.ts';

export type MotionRow = typeof motions.$inferSelect;
export type VoteRow = typeof votes.$inferSelect;

/** The reviewers whose votes count: seated and unconflicted, chair included. */
export function votingSeats(subject: EvaluationSubject) {
  return subject.seats.filter((seat) => !seat.conflicted);
}

/** The tally of a motion's votes by currently seated panelists, and what the quorum rule makes of it. */
export function decide(rule: QuorumRule, subject: EvaluationSubject, motionVotes: readonly Pick<VoteRow, 'voterId' | 'choice'>[]): Tally & MotionDecision & { seated: number } {
  const seats = votingSeats(subject);
  const seatedIds = new Set(seats.map((seat) => seat.reviewerId));
  const tally = tallyVotes(motionVotes.filter((vote) => seatedIds.has(vote.voterId)).map((vote) => vote.choice));
  return { ...tally, ...decideMotion(rule, seats.length, tally), seated: seats.length };
}

/** The latest motion that was not withdrawn, if any. */
export async function findCurrentMotion(db: DbOrTx, evaluationId: string): Promise<MotionRow | null> {
  const [row] = await db
    .select()
    .from(motions)
    .where(and(eq(motions.evaluationId, evaluationId), ne(motions.status, 'withdrawn')))
    .orderBy(desc(motions.createdAt))
    .limit(1);
  return row ?? null;
}

/** A motion as the workflow guards see it; a withdrawn motion counts as none. */
export function motionFact(motion: Pick<MotionRow, 'status'> | null): EvaluationContext['motion'] {
  if (!motion || motion.status === 'withdrawn') return null;
  return { carried: motion.status === 'carried', status: motion.status };
}

/** The motion facts the workflow guards read, per evaluation: its latest motion and whether it is open, carried or failed. */
export async function loadMotionFacts(db: DbOrTx, evaluationIds: readonly string[]): Promise<Map<string, EvaluationContext['motion']>> {
  const facts = new Map<string, EvaluationContext['motion']>();
  if (evaluationIds.length === 0) return facts;
  const rows = await db
    .select({ evaluationId: motions.evaluationId, status: motions.status })
    .from(motions)
    .where(and(inArray(motions.evaluationId, [...evaluationIds]), ne(motions.status, 'withdrawn')))
    .orderBy(desc(motions.createdAt));
  for (const row of rows) {
    if (!facts.has(row.evaluationId)) facts.set(row.evaluationId, motionFact(row));
  }
  return facts;
}

/**
 * When each panelist left the vote by declaring a conflict: their first declaration the seat's
 * override does not cover (one made after they were seated, or any without an override). A closed
 * motion is shown as it was decided, with the panelists seated then.
 */
async function leftTheVoteAt(db: DbOrTx, evaluationId: string): Promise<Map<string, Date>> {
  // One query at a time (a transaction's client takes no concurrent queries).
  const seats = await db
    .select({ reviewerId: panelSeats.reviewerId, createdAt: panelSeats.createdAt, conflictOverride: panelSeats.conflictOverride })
    .from(panelSeats)
    .where(and(eq(panelSeats.evaluationId, evaluationId), isNull(panelSeats.removedAt)));
  const declarations = await db
    .select({ reviewerId: conflictDeclarations.reviewerId, createdAt: conflictDeclarations.createdAt })
    .from(conflictDeclarations)
    .where(eq(conflictDeclarations.evaluationId, evaluationId));
  const seatOf = new Map(seats.map((seat) => [seat.reviewerId, seat]));
  const left = new Map<string, Date>();
  for (const declaration of declarations) {
    const seat = seatOf.get(declaration.reviewerId);
    if (!seat || !declarationStands(seat, declaration)) continue;
    const earlier = left.get(declaration.reviewerId);
    if (!earlier || declaration.createdAt < earlier) left.set(declaration.reviewerId, declaration.createdAt);
  }
  return left;
}

/** Every motion of an evaluation, newest first, each with its votes (voter names, notes) and tally. */
export async function loadMotionViews(db: DbOrTx, evaluation: { id: string; quorumRule: QuorumRule }, subject: EvaluationSubject): Promise<MotionView[]> {
  const motionRows = await db
    .select({ motion: motions, putBy: { id: users.id, name: users.name } })
    .from(motions)
    .innerJoin(users, eq(users.id, motions.putBy))
    .where(eq(motions.evaluationId, evaluation.id))
    .orderBy(desc(motions.createdAt));
  if (motionRows.length === 0) return [];
  const voteRows = await db
    .select({ vote: votes, voter: { id: users.id, name: users.name } })
    .from(votes)
    .innerJoin(users, eq(users.id, votes.voterId))
    .where(inArray(votes.motionId, motionRows.map((row) => row.motion.id)))
    .orderBy(asc(votes.createdAt));
  const seatOf = new Map(subject.seats.map((seat) => [seat.reviewerId, seat.seatRole]));
  const voting = new Set(votingSeats(subject).map((seat) => seat.reviewerId));
  const left = motionRows.some(({ motion }) => motion.closedAt) ? await leftTheVoteAt(db, evaluation.id) : new Map<string, Date>();

  return motionRows.map(({ motion, putBy }) => {
    const own = voteRows.filter((row) => row.vote.motionId === motion.id);
    const closed = motion.status !== 'open';
    // An open motion counts the panel as it stands; a closed one keeps the panel it was decided by
    // (who had left the vote by then), whatever happened to the panel since.
    const closedAt = motion.closedAt;
    const countsAt = (reviewerId: string) =>
      closed && closedAt ? (left.get(reviewerId)?.getTime() ?? Number.POSITIVE_INFINITY) > closedAt.getTime() : voting.has(reviewerId);
    const counted = own.filter((row) => countsAt(row.vote.voterId));
    const seated = closed ? subject.seats.filter((seat) => countsAt(seat.reviewerId)).length : voting.size;
    const counts = tallyVotes(counted.map((row) => row.vote.choice));
    const decision = decideMotion(evaluation.quorumRule, seated, counts);
    return {
      id: motion.id,
      status: motion.status,
      putBy,
      creditLines: motion.creditLines.map((line) => ({ ...line, phrase: phraseCreditLine(line) })),
      validFrom: motion.validFrom,
      validUntil: motion.validUntil,
      summary: motion.summary,
      learningOutcomes: motion.learningOutcomes,
      createdAt: motion.createdAt.toISOString(),
      closedAt: motion.closedAt?.toISOString() ?? null,
      tally: {
        approve: counts.approve,
        reject: counts.reject,
        abstain: counts.abstain,
        seated,
        needed: decision.needed,
        remaining: closed ? 0 : decision.remaining,
        outcome: motion.status === 'carried' || motion.status === 'failed' ? motion.status : decision.outcome,
      },
      votes: own.map(({ vote, voter }): VoteView => ({
        voter,
        seatRole: seatOf.get(vote.voterId) ?? null,
        choice: vote.choice,
        note: vote.note,
        createdAt: vote.createdAt.toISOString(),
        counted: countsAt(vote.voterId),
      })),
    };
  });
}
