import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../server/auth/passwords.ts';
import type { Database } from '../../server/db/client.ts';
import { eq } from 'drizzle-orm';
import { conflictDeclarations, courses, evaluations, panelSeats, providers, users } from '../../server/db/schema.ts';
import { standardIds } from '../../shared/rubric/index.ts';
import type { CourseFieldsInput } from '../../shared/schemas/course.ts';
import type { EvaluationState } from '../../shared/workflow/evaluation.ts';
import type { Role } from '../../shared/roles.ts';

export const TEST_PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

const unique = () => randomBytes(4).toString('hex');

/** Inserts a user who can sign in with TEST_PASSWORD. */
export async function buildUser(db: Database, overrides: { role: Role; institution?: string; name?: string; email?: string }) {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const id = unique();
  const [user] = await db
    .insert(users)
    .values({
      email: overrides.email ?? `${overrides.role}-${id}@example.edu`,
      name: overrides.name ?? `${overrides.role} ${id}`,
      role: overrides.role,
      institution: overrides.institution ?? `Institution ${id}`,
      expertise: ['mathematics'],
      passwordHash: await passwordHash,
    })
    .returning();
  if (!user) throw new Error('user insert failed');
  return user;
}

/** Inserts a provider and one course of it. */
export async function buildCourse(db: Database, overrides: { title?: string; partnerInstitution?: string } = {}) {
  const id = unique();
  const [provider] = await db.insert(providers).values({ code: `prov-${id}`, name: `Provider ${id}` }).returning();
  if (!provider) throw new Error('provider insert failed');
  const [course] = await db
    .insert(courses)
    .values({
      providerId: provider.id,
      code: `course-${id}`,
      version: '1',
      title: overrides.title ?? `Course ${id}`,
      subject: 'Mathematics',
      partnerInstitution: overrides.partnerInstitution ?? 'Test University',
      description: 'A course built by the test factories.',
      contactHours: 40,
      syllabus: [{ week: 1, title: 'Week one', topics: ['a topic'] }],
      learningOutcomes: [{ text: 'Apply a method.', bloom: 'apply' }],
      assessments: [{ type: 'proctored final exam', weight: 100, measures: 'everything' }],
      examBlueprint: [{ section: 'All', items: 10, weight: 100 }],
    })
    .returning();
  if (!course) throw new Error('course insert failed');
  return { ...course, provider };
}

/** A reviewer with the given expertise, institution and email (for panel and conflict tests). */
export async function buildReviewer(db: Database, overrides: { name?: string; institution?: string; email?: string; expertise?: string[] } = {}) {
  const user = await buildUser(db, { role: 'reviewer', name: overrides.name, institution: overrides.institution, email: overrides.email });
  const [updated] = await db
    .update(users)
    .set({ expertise: overrides.expertise ?? [] })
    .where(eq(users.id, user.id))
    .returning();
  if (!updated) throw new Error('reviewer update failed');
  return updated;
}

/** A valid course body for POST /api/courses (and, without providerId, a JSON import file). */
export function courseFields(overrides: Partial<CourseFieldsInput> = {}): CourseFieldsInput {
  const id = unique();
  return {
    title: `Imported Course ${id}`,
    code: `imported-${id}`,
    version: '1',
    subject: 'Biology',
    partnerInstitution: 'Duke University',
    partnerDomain: 'duke.edu',
    description: 'A course written by the test factories.',
    contactHours: 40,
    syllabus: [{ week: 1, title: 'Week one', topics: ['genetics'] }],
    learningOutcomes: [{ text: 'Explain inheritance.', bloom: 'understand' }],
    assessments: [
      { type: 'quizzes', weight: 40, measures: 'recall' },
      { type: 'proctored final exam', weight: 60, measures: 'everything' },
    ],
    examBlueprint: [{ section: 'All', items: 10, weight: 100 }],
    ...overrides,
  };
}

/** An evaluation row of a course in a given state, created by `createdBy` (bypasses the workflow: test setup only). */
export async function buildEvaluation(db: Database, overrides: { courseId: string; createdBy: string; status?: EvaluationState; panelSize?: number }) {
  const [evaluation] = await db
    .insert(evaluations)
    .values({
      courseId: overrides.courseId,
      createdBy: overrides.createdBy,
      cycle: 'initial',
      status: overrides.status ?? 'panel_forming',
      panelSize: overrides.panelSize ?? 3,
    })
    .returning();
  if (!evaluation) throw new Error('evaluation insert failed');
  return evaluation;
}

/** Seats a reviewer on an evaluation's panel directly (test setup only: no policy or conflict checks). */
export async function seatReviewer(
  db: Database,
  seat: { evaluationId: string; reviewerId: string; seatRole?: (typeof panelSeats.$inferInsert)['seatRole']; seatedBy: string; conflictOverride?: string },
) {
  const [row] = await db
    .insert(panelSeats)
    .values({ evaluationId: seat.evaluationId, reviewerId: seat.reviewerId, seatRole: seat.seatRole ?? 'member', seatedBy: seat.seatedBy, conflictOverride: seat.conflictOverride ?? null })
    .returning();
  if (!row) throw new Error('seat insert failed');
  return row;
}

/**
 * An evaluation in deliberation (or `status`) with its panel seated: the first reviewer chairs, the
 * second is the subject expert, the rest are members (test setup only: bypasses the workflow).
 */
export async function buildDeliberation(
  db: Database,
  setup: {
    courseId: string;
    createdBy: string;
    reviewerIds: readonly string[];
    status?: EvaluationState;
    quorumRule?: (typeof evaluations.$inferInsert)['quorumRule'];
    cycle?: (typeof evaluations.$inferInsert)['cycle'];
  },
) {
  const built = await buildEvaluation(db, { courseId: setup.courseId, createdBy: setup.createdBy, status: setup.status ?? 'deliberation', panelSize: setup.reviewerIds.length });
  const [evaluation] = await db
    .update(evaluations)
    .set({ quorumRule: setup.quorumRule ?? 'majority_of_seated', cycle: setup.cycle ?? 'initial' })
    .where(eq(evaluations.id, built.id))
    .returning();
  if (!evaluation) throw new Error('evaluation update failed');
  const roles = ['chair', 'subject_expert'] as const;
  for (const [index, reviewerId] of setup.reviewerIds.entries()) {
    await seatReviewer(db, { evaluationId: evaluation.id, reviewerId, seatRole: roles[index] ?? 'member', seatedBy: setup.createdBy });
  }
  return evaluation;
}

/** A conflict of interest a reviewer declared on an evaluation (test setup only). */
export async function buildConflictDeclaration(db: Database, declaration: { evaluationId: string; reviewerId: string; reason?: string }) {
  const [row] = await db
    .insert(conflictDeclarations)
    .values({ evaluationId: declaration.evaluationId, reviewerId: declaration.reviewerId, reason: declaration.reason ?? 'Co-authored with the course team.' })
    .returning();
  if (!row) throw new Error('conflict declaration insert failed');
  return row;
}

/** A complete independent review body (every rubric standard met, one credit line), as POST …/reviews/mine/submit takes it. */
export function buildReviewBody(overrides: { comments?: string; subject?: string } = {}) {
  return {
    standards: Object.fromEntries(standardIds.map((id) => [id, { met: true, comment: '' }])),
    comments: overrides.comments ?? 'A solid first-year course.',
    proposedCredit: [{ semesterHours: 3, level: 'lower_division' as const, subject: overrides.subject ?? 'Mathematics' }],
  };
}
