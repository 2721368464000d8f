import { eq, inArray } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Actor } from '../../shared/roles.ts';
import type { ReviewDraftBody } from '../../shared/schemas/review.ts';
import { standardIds } from '../../shared/rubric/index.ts';
import { createEvaluation } from '../commands/createEvaluation.ts';
import { seatReviewer } from '../commands/seatReviewer.ts';
import { submitReview } from '../commands/submitReview.ts';
import { transitionEvaluation } from '../commands/transitionEvaluation.ts';
import { createLoginLimiter, loginLimits } from '../auth/loginLimiter.ts';
import type { Config } from '../config.ts';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/client.ts';
import { courses, users } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { createQueues } from '../queues/queues.ts';
import { silentNotifier } from '../realtime/notifier.ts';
import { demoWorksheetEdits, seedDemoWorksheet } from './demoWorksheet.ts';
import { worksheetDocumentId } from '../../shared/realtime/documents.ts';

/** The course whose evaluation the demo starts in deliberation, and its panel. */
export const demoDeliberation = {
  courseCode: 'calculus-penn',
  coordinator: 'coordinator@quorum.test',
  panel: [
    {
      email: 'r.okafor@umd.edu',
      seatRole: 'chair',
      notMet: { '5.2': 'Office hours are forum-only; no tutoring is named.' },
      hours: 4,
      comments: 'Rigorous and well assessed; the proctored final carries half the grade. 60 contact hours and the problem load support four semester hours.',
    },
    {
      email: 'j.lindqvist@asu.edu',
      seatRole: 'subject_expert',
      notMet: { '6.1': 'Weeks 5–6 videos have auto-generated captions with formula errors.' },
      hours: 3,
      comments: 'Covers a first calculus course, but the series material is lighter than ours; I would propose three hours unless the challenge problems are required.',
    },
    {
      email: 't.brooks@ivytech.edu',
      seatRole: 'member',
      notMet: {},
      hours: 4,
      comments: 'Matches Calculus I with some Calculus II series content. Learners coming from pre-calculus will find the Taylor-series framing demanding.',
    },
  ],
} as const;

function review(reviewer: (typeof demoDeliberation.panel)[number]): ReviewDraftBody {
  const notMet: Record<string, string> = reviewer.notMet;
  return {
    standards: Object.fromEntries(standardIds.map((id) => [id, notMet[id] ? { met: false, comment: notMet[id] } : { met: true, comment: '' }])),
    comments: reviewer.comments,
    proposedCredit: [{ semesterHours: reviewer.hours, level: 'lower_division', subject: 'Calculus' }],
  };
}

const actorOf = (user: typeof users.$inferSelect): Actor => ({ id: user.id, role: user.role, email: user.email, institution: user.institution });

/**
 * Takes the demo's calculus course to deliberation through the same commands the console uses
 * (evaluation opened, panel seated, every independent review submitted; all audited), so a fresh
 * demo has a live worksheet to open at once, with the panel's deliberation under way in it. Call after `seedDemo` on the database it seeded.
 */
export async function seedDemoDeliberation(app: AppContext): Promise<string> {
  const emails = [demoDeliberation.coordinator, ...demoDeliberation.panel.map((seat) => seat.email)];
  const people = new Map((await app.db.select().from(users).where(inArray(users.email, emails))).map((user) => [user.email, user]));
  const person = (email: string) => {
    const user = people.get(email);
    if (!user) throw new Error(`demo user ${email} is missing`);
    return user;
  };
  const [course] = await app.db.select({ id: courses.id, learningOutcomes: courses.learningOutcomes }).from(courses).where(eq(courses.code, demoDeliberation.courseCode));
  if (!course) throw new Error(`demo course ${demoDeliberation.courseCode} is missing`);

  const coordinator = actorOf(person(demoDeliberation.coordinator));
  const evaluation = await createEvaluation(app, coordinator, { courseId: course.id, panelSize: demoDeliberation.panel.length });
  await transitionEvaluation(app, coordinator, { evaluationId: evaluation.id, action: 'open_panel', expectedState: 'intake' });
  for (const seat of demoDeliberation.panel) {
    await seatReviewer(app, coordinator, evaluation.id, { reviewerId: person(seat.email).id, seatRole: seat.seatRole });
  }
  await transitionEvaluation(app, coordinator, { evaluationId: evaluation.id, action: 'start_review', expectedState: 'panel_forming' });
  // The last submission moves the evaluation to deliberation (the workflow's own step).
  for (const seat of demoDeliberation.panel) {
    await submitReview(app, actorOf(person(seat.email)), { evaluationId: evaluation.id, review: review(seat) });
  }
  const [chair, expert, member] = demoDeliberation.panel.map((seat) => person(seat.email));
  if (chair && expert && member) {
    await seedDemoWorksheet(app.db, worksheetDocumentId(evaluation.id), demoWorksheetEdits({ outcomes: course.learningOutcomes.map((outcome) => outcome.text) }, { chair, expert, member }));
  }
  return evaluation.id;
}

/**
 * `seedDemoDeliberation` outside a server process (the launcher, before it starts one): the commands'
 * after-commit work goes to Redis (the evaluation's summary job) or nowhere (no socket is open yet).
 */
export async function seedDemoDeliberationWith(options: { config: Config; logger: Logger; db: Database; redisUrl: string }): Promise<string> {
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', (error) => options.logger.warn({ err: error }, 'redis error'));
  const queues = createQueues(options.redisUrl, options.config.QUEUE_PREFIX);
  try {
    return await seedDemoDeliberation({
      config: options.config,
      logger: options.logger,
      db: options.db,
      redis,
      queues,
      loginLimiter: createLoginLimiter(redis, loginLimits(options.config)),
      notify: silentNotifier,
      documents: null,
    });
  } finally {
    await queues.close();
    redis.disconnect();
  }
}
