import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInPage } from '../support/browser.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { DEMO_PASSWORD } from '../../server/seed/demoData.ts';
import { standardIds } from '../../shared/rubric/index.ts';

// The whole of issue 3 through the UI only: a coordinator and three reviewers, each in their own
// browser context, take a new course from intake to the public registry.

let stack: TestStack;
let browser: Browser;

const COURSE = 'Bioelectricity: A Quantitative Approach';
const GUIDE_LINE = 'In the lower-division baccalaureate/associate degree category, 3 semester hours in Biomedical Engineering';
const panelists = {
  chair: { email: 's.novak@cuny.edu', name: 'Prof. Sara Novak' },
  expert: { email: 'a.haddad@ucdavis.edu', name: 'Dr. Amir Haddad' },
  member: { email: 'r.okafor@umd.edu', name: 'Dr. Rita Okafor' },
};
const REVIEWS_DUE = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
// Live updates arrive when they arrive: wait on what the user would see (Playwright's own bounded wait).
const LIVE = { timeout: 30_000 };
/** A full-page screenshot from the top (a sticky table header would otherwise be drawn mid-page). */
async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `test-results/journey-${name}.png`, fullPage: true });
}
const statusIs = (page: Page, status: string) => page.locator(`[data-testid="evaluation-status"][data-status="${status}"]`).first().waitFor(LIVE);
const suggestion = (page: Page, email: string) => page.locator(`[data-testid="suggestion"][data-reviewer="${email}"]`);
const seatRow = (page: Page, email: string) => page.locator(`[data-testid="seat-row"][data-reviewer="${email}"]`);

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ pages: true, seed: true, workers: true }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Intake through the course form: a Duke course, so Duke's reviewer is conflicted. */
async function takeInCourse(coordinator: Page) {
  await coordinator.getByRole('link', { name: 'Courses' }).click();
  await coordinator.getByTestId('new-course').click();
  const form = coordinator.getByTestId('course-form');
  await form.getByTestId('course-title').fill(COURSE);
  await form.getByTestId('course-provider').selectOption({ label: 'Coursera' });
  await form.getByTestId('course-code').fill('bioelectricity-duke');
  await form.getByTestId('course-version').fill('2013.1');
  await form.getByTestId('course-subject').fill('Biomedical Engineering');
  await form.getByTestId('course-partner').fill('Duke University');
  await form.getByTestId('course-partner-domain').fill('duke.edu');
  await form.getByTestId('course-hours').fill('42');
  await form.getByTestId('course-description').fill('How excitable cells make and use electrical signals, modelled quantitatively.');
  const syllabus = form.getByTestId('syllabus-row');
  await syllabus.nth(0).getByLabel('Title', { exact: true }).fill('Membranes and potentials');
  await syllabus.nth(0).getByLabel('Topics (comma-separated)').fill('Nernst equation, Goldman equation');
  await form.getByTestId('syllabus-add').click();
  await syllabus.nth(1).getByLabel('Title', { exact: true }).fill('Action potentials and propagation');
  await syllabus.nth(1).getByLabel('Topics (comma-separated)').fill('Hodgkin–Huxley model, cable equation');
  await form.getByTestId('outcomes-row').nth(0).getByLabel('Outcome', { exact: true }).fill('Compute resting potentials from ion concentrations.');
  const assessments = form.getByTestId('assessments-row');
  await assessments.nth(0).getByLabel('Type', { exact: true }).fill('problem sets');
  await assessments.nth(0).getByLabel('Weight %').fill('40');
  await assessments.nth(0).getByLabel('What it measures').fill('quantitative modelling');
  await form.getByTestId('assessments-add').click();
  await assessments.nth(1).getByLabel('Type', { exact: true }).fill('proctored final exam');
  await assessments.nth(1).getByLabel('Weight %').fill('60');
  await assessments.nth(1).getByLabel('What it measures').fill('all outcomes under proctored conditions');
  const blueprint = form.getByTestId('blueprint-row');
  await blueprint.nth(0).getByLabel('Section', { exact: true }).fill('Membrane biophysics');
  await blueprint.nth(0).getByLabel('Items').fill('20');
  await blueprint.nth(0).getByLabel('Weight %').fill('100');
  expect(await form.getByTestId('assessment-total').textContent()).toBe('Total 100 % (must be 100 %)');
  await shot(coordinator, '01-course-form');
  await form.getByTestId('save-course').click();
  await coordinator.getByTestId('course-heading').filter({ hasText: COURSE }).waitFor();
}

/** Opens an evaluation from the new course's page (the form arrives with the course chosen) and moves it to panel forming. */
async function openEvaluation(coordinator: Page): Promise<string> {
  await shot(coordinator, '02-course-saved');
  await coordinator.getByTestId('evaluate-course').click();
  const courseSelect = coordinator.getByTestId('course-select');
  await expect.poll(async () => (await courseSelect.locator('option:checked').textContent())?.trim()).toBe(`${COURSE} · Coursera · bioelectricity-duke v2013.1`);
  await coordinator.getByTestId('due-independent_review').fill(REVIEWS_DUE);
  await shot(coordinator, '03-new-evaluation');
  await coordinator.getByTestId('create-evaluation').click();
  await coordinator.getByTestId('open-created-evaluation').click();
  await coordinator.getByTestId('transition-open_panel').click();
  await statusIs(coordinator, 'panel_forming');
  return new URL(coordinator.url()).pathname;
}

/** Tries the conflicted Duke reviewer first (refused), then seats three unconflicted ones and starts the review. */
async function formPanel(coordinator: Page) {
  await suggestion(coordinator, panelists.chair.email).waitFor();
  expect(await suggestion(coordinator, 'm.chen@duke.edu').getByTestId('suggestion-conflict').allTextContents()).toEqual([
    'COI: Same institution',
    'COI: Partner email domain',
  ]);
  await suggestion(coordinator, 'm.chen@duke.edu').getByTestId('seat-reviewer').click();
  await coordinator.getByTestId('override-dialog').waitFor();
  expect(await coordinator.getByTestId('panel-error').textContent()).toContain('has a conflict of interest');
  await shot(coordinator, '05-panel-coi-refusal');
  await coordinator.getByTestId('override-cancel').click();
  await coordinator.getByTestId('override-dialog').waitFor({ state: 'detached' });
  expect(await coordinator.getByTestId('seat-row').count()).toBe(0);

  const seats = [
    [panelists.chair.email, 'chair'],
    [panelists.expert.email, 'subject_expert'],
    [panelists.member.email, 'member'],
  ] as const;
  for (const [email, role] of seats) {
    await suggestion(coordinator, email).getByTestId('seat-role').selectOption(role);
    await suggestion(coordinator, email).getByTestId('seat-reviewer').click();
    await seatRow(coordinator, email).waitFor();
  }
  expect(await coordinator.getByTestId('panel-count').textContent()).toBe('3 of 3 seats filled');
  expect(await coordinator.getByTestId('seat-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-seat-role')))).toEqual([
    'chair',
    'subject_expert',
    'member',
  ]);
  await expect.poll(() => coordinator.getByTestId('transition-start_review').isEnabled()).toBe(true);
  await expect.poll(() => coordinator.getByTestId('remove-seat').first().isEnabled()).toBe(true);
  await shot(coordinator, '06-panel-formed');
  await coordinator.getByTestId('transition-start_review').click();
  await statusIs(coordinator, 'independent_review');
}

/** A reviewer finds the evaluation on their dashboard and opens the rubric from its page. */
async function openReview(reviewer: Page) {
  await reviewer.getByRole('link', { name: COURSE }).click(LIVE);
  await reviewer.getByTestId('open-review').click(LIVE);
  await reviewer.getByTestId('standard-1.1').waitFor();
  // The course evidence they review, open on a first visit: the coordinator's intake, field by field.
  const evidence = reviewer.getByTestId('course-evidence');
  await evidence.getByText('Week 2: Action potentials and propagation').waitFor();
  expect(await evidence.getByTestId('evidence-assessments').locator('tr', { hasText: 'proctored final exam' }).textContent()).toContain('60 %');
  expect(await evidence.getByTestId('evidence-blueprint').textContent()).toContain('Membrane biophysics');
  expect(await reviewer.getByTestId('review-deadline').textContent()).toContain('Reviews due');
}

/** Decides every standard (met unless named with its reason), proposes 3 lower-division hours, waits for the autosave. */
async function fillReview(page: Page, review: { notMet: Record<string, string>; comments: string }) {
  for (const id of standardIds) {
    const reason = review.notMet[id];
    if (reason === undefined) {
      await page.getByTestId(`standard-${id}-met`).check();
      continue;
    }
    await page.getByTestId(`standard-${id}-not-met`).check();
    await page.getByTestId(`standard-${id}-comment`).fill(reason);
  }
  await page.getByTestId('add-credit-line').click();
  await page.getByTestId('credit-hours').selectOption('3');
  await page.getByTestId('credit-level').selectOption('lower_division');
  await page.getByTestId('credit-subject').fill('Biomedical Engineering');
  await page.getByTestId('review-comments-input').fill(review.comments);
  await expect.poll(() => page.getByTestId('save-indicator').getAttribute('data-status')).toBe('saved');
}

async function submitReview(page: Page) {
  await page.getByTestId('submit-review').click();
  await page.getByTestId('confirm-submit').click();
  await page.getByTestId('review-submitted').waitFor();
}

/** What the panel-reviews API answers this page's session (the UI must agree with it). */
function panelReviewsStatus(page: Page, evaluationPath: string): Promise<number> {
  return page.evaluate(async (path) => (await fetch(`/api${path}/reviews`)).status, evaluationPath);
}

/** Nothing of another panelist's review is on the page: no reviews section, none of their words. */
async function expectNothingOfOthers(page: Page, evaluationPath: string, ...secrets: string[]) {
  expect(await page.getByTestId('panel-reviews').count()).toBe(0);
  expect(await page.getByTestId('review-card').count()).toBe(0);
  expect(await page.getByTestId('open-deliberation').count()).toBe(0);
  const html = await page.content();
  for (const secret of secrets) expect(html).not.toContain(secret);
  expect(await panelReviewsStatus(page, evaluationPath)).toBe(403);
}

describe('a whole evaluation in Chromium: intake → panel → reviews → motion → votes → publish → registry', () => {
  it('is run by a coordinator and three reviewers in their own contexts, and a registrar finds it without logging in', async () => {
    const coordinator = await signInPage(browser, stack.url, 'coordinator@quorum.test', DEMO_PASSWORD);
    await takeInCourse(coordinator);
    const evaluationPath = await openEvaluation(coordinator);
    await shot(coordinator, '04-panel-suggestions');
    await formPanel(coordinator);

    const signIn = (panelist: { email: string }) => signInPage(browser, stack.url, panelist.email, DEMO_PASSWORD);
    const [chair, expert, member] = await Promise.all([signIn(panelists.chair), signIn(panelists.expert), signIn(panelists.member)]);
    await Promise.all([chair, expert, member].map(openReview));
    await shot(chair, '07-review-evidence');

    // The chair drafts first; the draft is the chair's alone.
    await fillReview(chair, { notMet: { '6.1': 'CHAIR-NOTE: simulations lack keyboard access.' }, comments: 'CHAIR-COMMENT: rigorous and well assessed.' });
    // The expert drafts and submits; submitted, they still see no draft of anyone else's.
    await fillReview(expert, { notMet: {}, comments: 'EXPERT-COMMENT: a sound introduction to membrane biophysics.' });
    await expectNothingOfOthers(expert, evaluationPath, 'CHAIR-NOTE', 'CHAIR-COMMENT');
    await submitReview(expert);
    await expert.getByTestId('no-other-reviews').waitFor();
    expect(await expert.content()).not.toContain('CHAIR-NOTE');

    // The member, not yet submitted, sees neither the chair's draft nor the expert's submitted review.
    await member.reload();
    await member.getByTestId('standard-1.1').waitFor();
    await expect.poll(() => member.getByTestId('panel-progress').textContent()).toContain('1 of 3');
    await expectNothingOfOthers(member, evaluationPath, 'CHAIR-NOTE', 'CHAIR-COMMENT', 'EXPERT-COMMENT');
    await fillReview(member, { notMet: { '4.3': 'MEMBER-NOTE: forums are unmoderated.' }, comments: 'MEMBER-COMMENT: meets lower-division expectations.' });
    await expectNothingOfOthers(member, evaluationPath, 'CHAIR-NOTE', 'EXPERT-COMMENT');
    await shot(member, '08-review-before-submit');

    // The coordinator sees progress, never contents, while reviews are independent.
    await coordinator.reload();
    const progress = () => coordinator.getByTestId('review-progress-row').evaluateAll((rows) => Object.fromEntries(rows.map((row) => [row.getAttribute('data-reviewer'), row.getAttribute('data-status')])));
    await expect.poll(progress).toEqual({ [panelists.chair.name]: 'draft', [panelists.expert.name]: 'submitted', [panelists.member.name]: 'draft' });
    expect(await coordinator.content()).not.toContain('CHAIR-NOTE');
    expect(await coordinator.getByTestId('open-deliberation').count()).toBe(0);
    expect(await panelReviewsStatus(coordinator, evaluationPath)).toBe(403);
    await shot(coordinator, '09-review-progress');

    // Submitting opens the others' submitted reviews (never the chair's draft).
    await submitReview(member);
    const othersOnMemberPage = member.getByTestId('panel-reviews').getByTestId('review-card');
    await othersOnMemberPage.filter({ hasText: panelists.expert.name }).waitFor(LIVE);
    expect(await othersOnMemberPage.count()).toBe(1);
    expect(await member.content()).not.toContain('CHAIR-NOTE');
    await shot(member, '10-review-after-submit');

    // The last submission moves the evaluation to deliberation.
    await submitReview(chair);
    await statusIs(chair, 'deliberation');
    await expect.poll(() => chair.getByTestId('panel-reviews').getByTestId('review-card').count()).toBe(2);
    await statusIs(coordinator, 'deliberation');

    // The chair drafts the recommendation in the worksheet and maps the outcomes…
    await chair.goto(evaluationPath);
    await chair.getByTestId('open-worksheet').click();
    await chair.locator('[data-testid="save-status"][data-status="saved"]').waitFor(LIVE);
    await chair.getByTestId('draft-hours').fill('3');
    await chair.getByTestId('draft-level').selectOption('lower_division');
    await chair.getByTestId('draft-subject').fill('Biomedical Engineering');
    await chair.getByTestId('draft-summary').fill('Membrane biophysics and the quantitative modelling of excitable cells.');
    await chair.getByTestId('add-course-outcomes').click();
    await chair.getByTestId('add-outcome').click();
    const rows = chair.getByTestId('outcome-row');
    await rows.nth(1).getByLabel('Outcome', { exact: true }).fill('Model action potentials with the Hodgkin–Huxley equations.');
    await rows.nth(0).getByLabel('Met').selectOption('yes');
    await rows.nth(1).getByLabel('Met').selectOption('yes');
    await chair.getByTestId('add-outcome').click();
    await rows.nth(2).getByLabel('Outcome', { exact: true }).fill('Design a recording rig.');
    await rows.nth(2).getByLabel('Met').selectOption('partly');
    await chair.locator('[data-testid="save-status"][data-status="saved"]').waitFor(LIVE);

    // …then puts the motion from the evaluation page, starting from that draft; the others get a ballot live.
    await Promise.all([chair, expert, member].map((page) => page.goto(evaluationPath)));
    await expert.getByTestId('no-motion').waitFor();
    await chair.getByTestId('motion-from-worksheet').click();
    await chair.getByTestId('motion-fill-note').filter({ hasText: 'the credit line, the summary, 2 outcomes marked met' }).waitFor();
    expect(await chair.getByTestId('line-hours').inputValue()).toBe('3');
    expect(await chair.getByTestId('line-level').inputValue()).toBe('lower_division');
    expect(await chair.getByTestId('line-subject').inputValue()).toBe('Biomedical Engineering');
    expect(await chair.getByTestId('motion-summary').inputValue()).toBe('Membrane biophysics and the quantitative modelling of excitable cells.');
    expect(await chair.getByTestId('motion-outcomes').inputValue()).toBe(
      'Compute resting potentials from ion concentrations.\nModel action potentials with the Hodgkin–Huxley equations.',
    );
    await shot(chair, '11-motion-form');
    await chair.getByTestId('put-motion').click();
    await expert.getByTestId('ballot').waitFor(LIVE);
    await member.getByTestId('ballot').waitFor(LIVE);
    expect(await member.getByTestId('credit-line').first().textContent()).toBe(GUIDE_LINE);

    // Votes: an abstention, then two approvals carry it under the majority-of-seated rule.
    await member.getByTestId('vote-note').fill('I would have preferred 4 hours.');
    await member.getByTestId('vote-abstain').click();
    await chair.getByTestId('tally').filter({ hasText: '1 abstain' }).waitFor(LIVE);
    await chair.getByTestId('vote-approve').click();
    await expert.getByTestId('tally').filter({ hasText: '1 approve' }).waitFor(LIVE);
    await shot(expert, '12-votes-live-tally');
    await expert.getByTestId('vote-approve').click();
    for (const page of [chair, expert, member, coordinator]) await page.getByTestId('motion-outcome').filter({ hasText: 'Carried' }).waitFor(LIVE);
    expect(await chair.getByTestId('finalize').count()).toBe(0);
    await shot(member, '13-motion-carried');

    // The coordinator finalizes and publishes.
    await coordinator.getByTestId('finalize').click();
    await statusIs(coordinator, 'finalized');
    await coordinator.getByTestId('publish').click();
    await coordinator.getByTestId('published-recommendation').waitFor(LIVE);
    await statusIs(coordinator, 'published');
    await shot(coordinator, '14-published');

    // A registrar with no account finds it in the public registry, phrased as the National Guide does.
    const registrarContext = await browser.newContext({ baseURL: stack.url, viewport: { width: 1280, height: 800 } });
    const registrar = await registrarContext.newPage();
    await registrar.goto('/registry');
    await registrar.getByTestId('search-course').fill('bioelectricity');
    await registrar.getByTestId('search-submit').click();
    const record = registrar.getByTestId('registry-record').filter({ hasText: COURSE });
    await record.waitFor(LIVE);
    expect(await record.getByTestId('credit-line').textContent()).toBe(GUIDE_LINE);
    await shot(registrar, '15-registry-search');
    await record.getByRole('link', { name: COURSE }).click();
    await registrar.getByTestId('registry-title').filter({ hasText: COURSE }).waitFor();
    expect(await registrar.getByTestId('recommendation-status').first().getAttribute('data-status')).toBe('active');
    expect(await registrar.getByTestId('credit-line').first().textContent()).toBe(GUIDE_LINE);
    for (const panelist of Object.values(panelists)) expect(await registrar.getByText(panelist.name, { exact: false }).count()).toBeGreaterThan(0);
    expect(await registrar.getByText('Dr. Mei Chen').count()).toBe(0);
    await shot(registrar, '16-registry-record');
    await registrarContext.close();
  }, 300_000);
});
