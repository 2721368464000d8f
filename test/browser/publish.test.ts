import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { courses, evaluations } from '../../server/db/schema.ts';
import { buildCourse, buildDeliberation, buildUser, TEST_PASSWORD } from '../support/factories.ts';
import { launchChromium, signInPage } from '../support/browser.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ pages: true }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

// Live updates arrive when they arrive: wait on what the user would see (Playwright's own bounded wait).
const LIVE = { timeout: 30_000 };
const tallyShows = (page: Page, text: string) => page.getByTestId('tally').filter({ hasText: text }).waitFor(LIVE);
const outcomeIs = (page: Page, text: string) => page.getByTestId('motion-outcome').filter({ hasText: text }).waitFor(LIVE);
const statusIs = (page: Page, status: string) => page.locator(`[data-testid="evaluation-status"][data-status="${status}"]`).waitFor(LIVE);

describe('motion → votes → finalize → publish → public registry, in Chromium', () => {
  it('runs the decision with three reviewers and a coordinator, and the registry shows the result without login', async () => {
    const db = stack.database.db;
    const course = await buildCourse(db, { title: 'Calculus: Single Variable', partnerInstitution: 'University of Pennsylvania' });
    await db.update(courses).set({ code: 'calculus-penn', subject: 'Mathematics' }).where(eq(courses.id, course.id));
    const [coordinatorUser, chairUser, expertUser, memberUser] = await Promise.all([
      buildUser(db, { role: 'coordinator', name: 'Casey Morgan' }),
      buildUser(db, { role: 'reviewer', name: 'Dr. Rita Okafor', institution: 'University of Maryland' }),
      buildUser(db, { role: 'reviewer', name: 'Prof. Jonas Lindqvist', institution: 'Arizona State University' }),
      buildUser(db, { role: 'reviewer', name: 'Dr. Terrence Brooks', institution: 'Ivy Tech Community College' }),
    ]);
    const evaluation = await buildDeliberation(db, {
      courseId: course.id,
      createdBy: coordinatorUser.id,
      reviewerIds: [chairUser.id, expertUser.id, memberUser.id],
    });
    const signIn = (user: { email: string }) => signInPage(browser, stack.url, user.email, TEST_PASSWORD);
    const [coordinator, chair, expert, member] = await Promise.all([signIn(coordinatorUser), signIn(chairUser), signIn(expertUser), signIn(memberUser)]);
    const path = `/evaluations/${evaluation.id}`;
    await Promise.all([coordinator, chair, expert, member].map((page) => page.goto(path)));

    // Only the chair gets the motion form; the others wait for it.
    await chair.getByTestId('motion-form').waitFor();
    await expert.getByTestId('no-motion').waitFor();
    expect(await expert.getByTestId('motion-form').count()).toBe(0);

    await chair.getByTestId('line-hours').fill('4');
    await chair.getByTestId('line-level').selectOption('lower_division');
    await chair.getByTestId('line-subject').fill('Mathematics');
    await chair.getByTestId('motion-summary').fill('Limits, derivatives and integrals of functions of one variable, with applications.');
    await chair.getByTestId('motion-outcomes').fill('Compute derivatives and integrals.\nModel rates of change with differential equations.');
    await chair.screenshot({ path: 'test-results/publish-motion-form.png', fullPage: true });
    await chair.getByTestId('put-motion').click();

    // The motion reaches the other panelists live (no reload): each gets a ballot.
    await expert.getByTestId('ballot').waitFor(LIVE);
    await member.getByTestId('ballot').waitFor(LIVE);
    expect(await expert.getByTestId('credit-line').first().textContent()).toBe(
      'In the lower-division baccalaureate/associate degree category, 4 semester hours in Mathematics',
    );

    await chair.getByTestId('vote-note').fill('Matches a first-semester calculus course.');
    await chair.getByTestId('vote-approve').click();
    await tallyShows(member, '1 approve');

    await expert.getByTestId('vote-note').fill('The exam under-samples integration.');
    await expert.getByTestId('vote-reject').click();
    await tallyShows(chair, '1 reject');
    await chair.getByTestId('vote').filter({ hasText: 'under-samples integration' }).waitFor(LIVE);
    await chair.screenshot({ path: 'test-results/publish-live-tally.png', fullPage: true });

    await member.getByTestId('vote-approve').click();
    await outcomeIs(member, 'Carried');
    await outcomeIs(expert, 'Carried');
    await outcomeIs(coordinator, 'Carried');
    expect(await member.getByTestId('ballot').count()).toBe(0);
    expect(await chair.getByTestId('finalize').count()).toBe(0);

    await coordinator.getByTestId('finalize').click();
    await statusIs(coordinator, 'finalized');
    await coordinator.getByTestId('publish').click();
    await coordinator.getByTestId('published-recommendation').waitFor(LIVE);
    await statusIs(coordinator, 'published');
    await coordinator.screenshot({ path: 'test-results/publish-coordinator-published.png', fullPage: true });
    const [row] = await db.select({ status: evaluations.status }).from(evaluations).where(eq(evaluations.id, evaluation.id));
    expect(row?.status).toBe('published');

    // A registrar, not signed in, finds it in the public registry.
    const registrarContext = await browser.newContext({ baseURL: stack.url, viewport: { width: 1280, height: 800 } });
    const registrar = await registrarContext.newPage();
    await registrar.goto('/registry');
    await registrar.getByTestId('registry-search').waitFor();
    expect(registrar.url()).toContain('/registry');
    await registrar.getByTestId('search-course').fill('calculus');
    await registrar.getByTestId('search-level').selectOption('lower_division');
    await registrar.getByTestId('search-submit').click();
    const record = registrar.getByTestId('registry-record').filter({ hasText: 'Calculus: Single Variable' });
    await record.waitFor(LIVE);
    expect(await record.getByTestId('credit-line').textContent()).toBe(
      'In the lower-division baccalaureate/associate degree category, 4 semester hours in Mathematics',
    );
    expect(registrar.url()).toContain('course=calculus');
    await registrar.screenshot({ path: 'test-results/registry-search.png', fullPage: true });

    await record.getByRole('link', { name: 'Calculus: Single Variable' }).click();
    await registrar.getByTestId('registry-title').waitFor();
    expect(await registrar.getByTestId('recommendation-status').first().getAttribute('data-status')).toBe('active');
    expect(await registrar.getByTestId('version-row').count()).toBe(1);
    expect(await registrar.getByText('Dr. Rita Okafor, University of Maryland').count()).toBe(1);
    await registrar.screenshot({ path: 'test-results/registry-record.png', fullPage: true });
    expect(await registrar.getByTestId('sign-in-link').count()).toBe(1);
    await registrarContext.close();
  }, 180_000);

  it('fills a motion in from a worksheet whose draft is partial, saying which parts the form kept', async () => {
    const db = stack.database.db;
    const course = await buildCourse(db, { title: 'Bioelectricity: A Quantitative Approach' });
    const [coordinatorUser, chairUser, memberUser] = await Promise.all([
      buildUser(db, { role: 'coordinator' }),
      buildUser(db, { role: 'reviewer', name: 'Chair' }),
      buildUser(db, { role: 'reviewer', name: 'Member' }),
    ]);
    const evaluation = await buildDeliberation(db, { courseId: course.id, createdBy: coordinatorUser.id, reviewerIds: [chairUser.id, memberUser.id] });
    const chair = await signInPage(browser, stack.url, chairUser.email, TEST_PASSWORD);
    const path = `/evaluations/${evaluation.id}`;

    // The panel has settled the subject and the summary, not the hours or the level.
    await chair.goto(`${path}/worksheet`);
    await chair.locator('[data-testid="save-status"][data-status="saved"]').waitFor(LIVE);
    await chair.getByTestId('draft-subject').fill('Biomedical Engineering');
    await chair.getByTestId('draft-summary').fill('Membrane biophysics.');
    await chair.locator('[data-testid="save-status"][data-status="saved"]').waitFor(LIVE);

    await chair.goto(path);
    await chair.getByTestId('line-hours').fill('4.5');
    await chair.getByTestId('motion-from-worksheet').click();
    const note = chair.getByTestId('motion-fill-note');
    await note.waitFor(LIVE);
    expect(await note.textContent()).toBe(
      "Filled in from the saved worksheet: the credit line's subject, the summary. The worksheet sets no semester hours (4.5 is the form's), " +
        'no level (lower-division baccalaureate/associate degree is the form\'s). Check it before you put the motion.',
    );
    expect(await chair.getByTestId('line-hours').inputValue()).toBe('4.5');
    expect(await chair.getByTestId('line-subject').inputValue()).toBe('Biomedical Engineering');
    expect(await chair.getByTestId('motion-summary').inputValue()).toBe('Membrane biophysics.');
    await chair.context().close();
  }, 120_000);
});
