import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { and, asc, desc, eq, gt, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { phraseCreditLine } from '../../shared/domain/creditLines.ts';
import { isReReviewDue, recommendationStatus, reReviewDueOn } from '../../shared/domain/recommendationDates.ts';
import type { EvaluationSubject } from '../../shared/policies/index.ts';
import type { RecommendationView, RegistryQuery } from '../../shared/schemas/recommendation.ts';
import type { DbOrTx } from '../db/client.ts';
import { courses, providers, recommendationRevocations, recommendations, users } from '../db/schema.ts';

export type RecommendationRow = typeof recommendations.$inferSelect;
export type PanelSnapshot = RecommendationRow['panel'];

const seatOrder = { chair: 0, subject_expert: 1, member: 2 } as const;

/** sha256 of the RFC 8785 canonical JSON of `value`: the same record always hashes the same. */
export function canonicalHash(value: unknown): string {
  const text = canonicalize(JSON.parse(JSON.stringify(value)) as unknown);
  if (text === undefined) throw new Error('cannot canonicalize the record');
  return createHash('sha256').update(text).digest('hex');
}

/** The fields a published version's content hash covers (everything but the hash and the later signature). */
export function recommendationHashInput(row: Omit<RecommendationRow, 'contentHash' | 'signature'>) {
  return {
    id: row.id,
    courseId: row.courseId,
    evaluationId: row.evaluationId,
    motionId: row.motionId,
    version: row.version,
    creditLines: row.creditLines,
    validFrom: row.validFrom,
    validUntil: row.validUntil,
    summary: row.summary,
    learningOutcomes: row.learningOutcomes,
    panel: row.panel,
    conditions: row.conditions,
    supersedesId: row.supersedesId,
    publishedBy: row.publishedBy,
    publishedAt: row.publishedAt.toISOString(),
  };
}

/** The panel as it stands: seated, unconflicted reviewers' names, institutions and seat roles, chair first. */
export async function panelSnapshot(db: DbOrTx, subject: EvaluationSubject): Promise<PanelSnapshot> {
  const seats = subject.seats.filter((seat) => !seat.conflicted);
  if (seats.length === 0) return [];
  const people = await db
    .select({ id: users.id, name: users.name, institution: users.institution })
    .from(users)
    .where(inArray(users.id, seats.map((seat) => seat.reviewerId)));
  const byId = new Map(people.map((person) => [person.id, person]));
  return seats
    .toSorted((a, b) => seatOrder[a.seatRole] - seatOrder[b.seatRole])
    .flatMap((seat) => {
      const person = byId.get(seat.reviewerId);
      return person ? [{ name: person.name, institution: person.institution, seatRole: seat.seatRole }] : [];
    });
}

/** Loads published versions matching `where`, as the registry and the console show them. */
export async function loadRecommendationViews(db: DbOrTx, where: SQL | undefined, today: string): Promise<RecommendationView[]> {
  const rows = await db
    .select({ recommendation: recommendations, course: courses, provider: providers.name, revocation: recommendationRevocations })
    .from(recommendations)
    .innerJoin(courses, eq(courses.id, recommendations.courseId))
    .innerJoin(providers, eq(providers.id, courses.providerId))
    .leftJoin(recommendationRevocations, eq(recommendationRevocations.recommendationId, recommendations.id))
    .where(where)
    .orderBy(asc(courses.title), desc(recommendations.version));
  if (rows.length === 0) return [];
  const successors = await db
    .select({ id: recommendations.id, supersedesId: recommendations.supersedesId })
    .from(recommendations)
    .where(inArray(recommendations.supersedesId, rows.map((row) => row.recommendation.id)));
  const supersededBy = new Map(successors.map((row) => [row.supersedesId, row.id]));

  return rows.map(({ recommendation, course, provider, revocation }) => {
    const supersededById = supersededBy.get(recommendation.id) ?? null;
    return {
      id: recommendation.id,
      version: recommendation.version,
      evaluationId: recommendation.evaluationId,
      course: { id: course.id, title: course.title, code: course.code, version: course.version, subject: course.subject, provider },
      creditLines: recommendation.creditLines.map((line) => ({ ...line, phrase: phraseCreditLine(line) })),
      validFrom: recommendation.validFrom,
      validUntil: recommendation.validUntil,
      summary: recommendation.summary,
      learningOutcomes: recommendation.learningOutcomes,
      panel: recommendation.panel,
      conditions: recommendation.conditions,
      supersedesId: recommendation.supersedesId,
      supersededById,
      publishedAt: recommendation.publishedAt.toISOString(),
      contentHash: recommendation.contentHash,
      signature: recommendation.signature,
      revocation: revocation
        ? { reason: revocation.reason, revokedAt: revocation.revokedAt.toISOString(), contentHash: revocation.contentHash }
        : null,
      status: recommendationStatus(
        { validFrom: recommendation.validFrom, validUntil: recommendation.validUntil, revoked: revocation !== null, superseded: supersededById !== null },
        today,
      ),
      reReviewDueOn: reReviewDueOn(recommendation.validUntil),
      reReviewDue: isReReviewDue(recommendation.validUntil, today),
    };
  });
}

/** The latest published version of a course, revoked or not. */
export async function findLatestVersion(db: DbOrTx, courseId: string): Promise<(RecommendationRow & { revoked: boolean }) | null> {
  const [row] = await db
    .select({ recommendation: recommendations, revocationId: recommendationRevocations.id })
    .from(recommendations)
    .leftJoin(recommendationRevocations, eq(recommendationRevocations.recommendationId, recommendations.id))
    .where(eq(recommendations.courseId, courseId))
    .orderBy(desc(recommendations.version))
    .limit(1);
  return row ? { ...row.recommendation, revoked: row.revocationId !== null } : null;
}

/** A later version of the same course: a version without one is the course's latest. */
const successor = alias(recommendations, 'successor');
const gtVersion = gt(successor.version, recommendations.version);

function contains(text: string): string {
  return `%${text.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`;
}

/**
 * The public registry search: the latest version of each course whose course (title or code),
 * provider, subject (course subject or a credit line's) and credit level match.
 */
export async function searchRegistry(db: DbOrTx, query: RegistryQuery, today: string): Promise<RecommendationView[]> {
  const filters: SQL[] = [isNull(successor.id)];
  if (query.course) filters.push(or(ilike(courses.title, contains(query.course)), ilike(courses.code, contains(query.course)))!);
  if (query.provider) filters.push(or(ilike(providers.name, contains(query.provider)), ilike(providers.code, contains(query.provider)))!);
  // Level and subject are matched in the database too, so that the page limit applies there: the
  // registry is public, and a request must not cost a read of every course in it.
  const line = sql`jsonb_array_elements(${recommendations.creditLines}) as line`;
  if (query.level) filters.push(sql`exists (select 1 from ${line} where line->>'level' = ${query.level})`);
  if (query.subject) {
    const pattern = contains(query.subject);
    filters.push(or(ilike(courses.subject, pattern), sql`exists (select 1 from ${line} where line->>'subject' ilike ${pattern})`)!);
  }
  const latest = await db
    .select({ id: recommendations.id })
    .from(recommendations)
    .innerJoin(courses, eq(courses.id, recommendations.courseId))
    .innerJoin(providers, eq(providers.id, courses.providerId))
    .leftJoin(successor, and(eq(successor.courseId, recommendations.courseId), gtVersion))
    .where(and(...filters))
    .orderBy(asc(courses.title), asc(recommendations.id))
    .limit(query.limit);
  if (latest.length === 0) return [];
  return loadRecommendationViews(db, inArray(recommendations.id, latest.map((row) => row.id)), today);
}
