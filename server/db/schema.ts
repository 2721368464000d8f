import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  date,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
};

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ['admin', 'coordinator', 'reviewer', 'proctor'] }).notNull(),
    institution: text('institution').notNull(),
    expertise: jsonb('expertise').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    passwordHash: text('password_hash').notNull(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [uniqueIndex('users_email_unique').on(sql`lower(${table.email})`)],
);

export const sessions = pgTable(
  'sessions',
  {
    /** sha256 of the cookie token: a leaked table does not leak live sessions. */
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    ...timestamps,
  },
  (table) => [index('sessions_user_idx').on(table.userId)],
);

export const providers = pgTable('providers', {
  id: uuid('id').primaryKey().defaultRandom(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  kind: text('kind').notNull().default('mooc'),
  ...timestamps,
});

export const courses = pgTable(
  'courses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => providers.id),
    code: text('code').notNull(),
    version: text('version').notNull(),
    title: text('title').notNull(),
    subject: text('subject').notNull(),
    partnerInstitution: text('partner_institution').notNull(),
    /** Email domain of the partner institution (e.g. duke.edu), for conflict-of-interest checks. */
    partnerDomain: text('partner_domain'),
    description: text('description').notNull(),
    contactHours: integer('contact_hours').notNull(),
    syllabus: jsonb('syllabus').$type<{ week: number; title: string; topics: string[] }[]>().notNull(),
    learningOutcomes: jsonb('learning_outcomes').$type<{ text: string; bloom: string }[]>().notNull(),
    assessments: jsonb('assessments').$type<{ type: string; weight: number; measures: string }[]>().notNull(),
    examBlueprint: jsonb('exam_blueprint').$type<{ section: string; items: number; weight: number }[]>().notNull(),
    ...timestamps,
  },
  (table) => [uniqueIndex('courses_provider_code_version').on(table.providerId, table.code, table.version)],
);

export const evaluations = pgTable(
  'evaluations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    courseId: uuid('course_id')
      .notNull()
      .references(() => courses.id),
    cycle: text('cycle', { enum: ['initial', 're_review'] }).notNull(),
    status: text('status').notNull(),
    panelSize: integer('panel_size').notNull(),
    reviewDueOn: date('review_due_on', { mode: 'string' }),
    /** Due date per phase, e.g. { panel_forming: '2027-01-10', independent_review: '2027-02-01' }. */
    phaseDueDates: jsonb('phase_due_dates').$type<Partial<Record<string, string>>>().notNull().default(sql`'{}'::jsonb`),
    /** How votes decide: by default a majority of the seated reviewers, chair included. */
    quorumRule: text('quorum_rule', { enum: ['majority_of_seated', 'two_thirds_of_seated', 'unanimous'] })
      .notNull()
      .default('majority_of_seated'),
    /** Set when finalized as conditional: what must be met, and by when. */
    conditions: jsonb('conditions').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    conditionsDueOn: date('conditions_due_on', { mode: 'string' }),
    conditionsMetOn: date('conditions_met_on', { mode: 'string' }),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    ...timestamps,
  },
  (table) => [index('evaluations_status_idx').on(table.status), index('evaluations_course_idx').on(table.courseId)],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    /** Assigned as head + 1 under the head row's lock: gap-free, so a deleted row shows as a gap. */
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull(),
    actorId: uuid('actor_id'),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull().unique(),
  },
  (table) => [
    index('audit_subject_idx').on(table.subjectType, table.subjectId),
    index('audit_action_idx').on(table.action),
  ],
);

/** The newest hash of the audit chain, so that deleting the last rows is detected too. */
export const auditHead = pgTable('audit_head', {
  id: integer('id').primaryKey().default(1),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});

export const artifacts = pgTable('artifacts', {
  sha256: text('sha256').primaryKey(),
  mediaType: text('media_type').notNull(),
  size: integer('size').notNull(),
  bytes: bytea('bytes').notNull(),
  ...timestamps,
});

/** A long-running job as a row the UI can watch: queued → running → done | failed. */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    state: text('state', { enum: ['queued', 'running', 'done', 'failed'] }).notNull().default('queued'),
    progress: integer('progress').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    artifactSha256: text('artifact_sha256').references(() => artifacts.sha256),
    error: text('error'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    ...timestamps,
  },
  (table) => [index('jobs_subject_idx').on(table.subjectType, table.subjectId)],
);

export const seatRoles = ['chair', 'subject_expert', 'member'] as const;

/** A reviewer's seat on an evaluation's panel; removal is a timestamp, never a delete. */
export const panelSeats = pgTable(
  'panel_seats',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    evaluationId: uuid('evaluation_id')
      .notNull()
      .references(() => evaluations.id),
    reviewerId: uuid('reviewer_id')
      .notNull()
      .references(() => users.id),
    seatRole: text('seat_role', { enum: seatRoles }).notNull(),
    seatedBy: uuid('seated_by')
      .notNull()
      .references(() => users.id),
    /** Set when a coordinator seated the reviewer despite a detected conflict. */
    conflictOverride: text('conflict_override'),
    removedAt: timestamp('removed_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('panel_seats_active_unique').on(table.evaluationId, table.reviewerId).where(sql`${table.removedAt} is null`),
    index('panel_seats_reviewer_idx').on(table.reviewerId),
  ],
);

/** A conflict of interest a reviewer declared on an evaluation. */
export const conflictDeclarations = pgTable(
  'conflict_declarations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    evaluationId: uuid('evaluation_id')
      .notNull()
      .references(() => evaluations.id),
    reviewerId: uuid('reviewer_id')
      .notNull()
      .references(() => users.id),
    reason: text('reason').notNull(),
    ...timestamps,
  },
  (table) => [index('conflicts_evaluation_idx').on(table.evaluationId, table.reviewerId)],
);

/** The append-only log of a collaborative document's Yjs updates: an update is acknowledged once stored here. */
export const documentUpdates = pgTable(
  'document_updates',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    documentId: text('document_id').notNull(),
    update: bytea('update').notNull(),
    actorId: uuid('actor_id'),
    ...timestamps,
  },
  (table) => [index('document_updates_doc_idx').on(table.documentId, table.id)],
);

/** A compacted document state: every update up to `throughUpdateId` merged into one. */
export const documentSnapshots = pgTable('document_snapshots', {
  documentId: text('document_id').primaryKey(),
  state: bytea('state').notNull(),
  throughUpdateId: bigint('through_update_id', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Who writes under each Yjs client id of a collaborative document: the first user to send an edit
 * under an id owns it there, and another user's edits under it are never stored. Yjs trusts a
 * client id blindly; without this a writer could claim someone else's and have that person's next
 * edits taken for duplicates.
 */
export const documentClients = pgTable(
  'document_clients',
  {
    documentId: text('document_id').notNull(),
    clientId: bigint('client_id', { mode: 'number' }).notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    ...timestamps,
  },
  (table) => [primaryKey({ columns: [table.documentId, table.clientId] })],
);

/** A credit line as the National Guide phrases it. */
export interface CreditLine {
  semesterHours: number;
  level: 'vocational_certificate' | 'lower_division' | 'upper_division' | 'graduate';
  subject: string;
}

/** One reviewer's independent rubric review: private until submitted (independent-then-discuss). */
export const independentReviews = pgTable(
  'independent_reviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    evaluationId: uuid('evaluation_id')
      .notNull()
      .references(() => evaluations.id),
    reviewerId: uuid('reviewer_id')
      .notNull()
      .references(() => users.id),
    /** Per rubric standard id: met or not (null while undecided) and a comment. */
    standards: jsonb('standards').$type<Record<string, { met: boolean | null; comment: string }>>().notNull().default(sql`'{}'::jsonb`),
    proposedCredit: jsonb('proposed_credit').$type<CreditLine[]>().notNull().default(sql`'[]'::jsonb`),
    comments: text('comments').notNull().default(''),
    status: text('status', { enum: ['draft', 'submitted'] }).notNull().default('draft'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    ...timestamps,
  },
  (table) => [uniqueIndex('independent_reviews_unique').on(table.evaluationId, table.reviewerId)],
);

/** A recommendation the chair puts to the panel. */
export const motions = pgTable(
  'motions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    evaluationId: uuid('evaluation_id')
      .notNull()
      .references(() => evaluations.id),
    putBy: uuid('put_by')
      .notNull()
      .references(() => users.id),
    creditLines: jsonb('credit_lines').$type<CreditLine[]>().notNull(),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    validUntil: date('valid_until', { mode: 'string' }).notNull(),
    summary: text('summary').notNull(),
    learningOutcomes: jsonb('learning_outcomes').$type<string[]>().notNull(),
    status: text('status', { enum: ['open', 'carried', 'failed', 'withdrawn'] }).notNull().default('open'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('motions_evaluation_idx').on(table.evaluationId),
    uniqueIndex('motions_one_open').on(table.evaluationId).where(sql`${table.status} = 'open'`),
  ],
);

/** One panelist's vote on a motion; one per panelist. */
export const votes = pgTable(
  'votes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    motionId: uuid('motion_id')
      .notNull()
      .references(() => motions.id),
    voterId: uuid('voter_id')
      .notNull()
      .references(() => users.id),
    choice: text('choice', { enum: ['approve', 'reject', 'abstain'] }).notNull(),
    note: text('note'),
    ...timestamps,
  },
  (table) => [uniqueIndex('votes_one_per_voter').on(table.motionId, table.voterId)],
);

/** A published recommendation version: immutable once written; a change is a new version. */
export const recommendations = pgTable(
  'recommendations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    courseId: uuid('course_id')
      .notNull()
      .references(() => courses.id),
    evaluationId: uuid('evaluation_id')
      .notNull()
      .references(() => evaluations.id),
    motionId: uuid('motion_id')
      .notNull()
      .references(() => motions.id),
    version: integer('version').notNull(),
    creditLines: jsonb('credit_lines').$type<CreditLine[]>().notNull(),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    validUntil: date('valid_until', { mode: 'string' }).notNull(),
    summary: text('summary').notNull(),
    learningOutcomes: jsonb('learning_outcomes').$type<string[]>().notNull(),
    /** The panel as published: names, institutions and seat roles. */
    panel: jsonb('panel').$type<{ name: string; institution: string; seatRole: string }[]>().notNull(),
    conditions: jsonb('conditions').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    supersedesId: uuid('supersedes_id'),
    publishedBy: uuid('published_by')
      .notNull()
      .references(() => users.id),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
    /** sha256 of the canonical record; the signature arrives with the credential issue. */
    contentHash: text('content_hash').notNull(),
    signature: text('signature'),
  },
  (table) => [
    uniqueIndex('recommendations_course_version').on(table.courseId, table.version),
    index('recommendations_evaluation_idx').on(table.evaluationId),
  ],
);

/** Revocation is a record of its own, never an edit of the recommendation. */
export const recommendationRevocations = pgTable('recommendation_revocations', {
  id: uuid('id').primaryKey().defaultRandom(),
  recommendationId: uuid('recommendation_id')
    .notNull()
    .unique()
    .references(() => recommendations.id),
  reason: text('reason').notNull(),
  revokedBy: uuid('revoked_by')
    .notNull()
    .references(() => users.id),
  revokedAt: timestamp('revoked_at', { withTimezone: true }).notNull().defaultNow(),
  contentHash: text('content_hash').notNull(),
  signature: text('signature'),
});
