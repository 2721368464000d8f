import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { buildEvaluation, seatReviewer } from '../support/factories.ts';
import { launchChromium, signInPage } from '../support/browser.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { DEMO_PASSWORD } from '../../server/seed/demoData.ts';
import { courses, evaluations, users } from '../../server/db/schema.ts';
import { standardIds } from '../../shared/rubric/index.ts';

let stack: TestStack;
let browser: Browser;
let evaluationId: string;

const reviewers = {
  chair: 'r.okafor@umd.edu',
  expert: 'j.lindqvist@asu.edu',
  member: 't.brooks@ivytech.edu',
};

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ pages: true, seed: true }), launchChromium()]);
  const db = stack.database.db;
  const [course] = await db.select().from(courses).where(eq(courses.title, 'Pre-Calculus and Algebra'));
  const [coordinator] = await db.select().from(users).where(eq(users.email, 'coordinator@quorum.test'));
  const evaluation = await buildEvaluation(db, { courseId: course!.id, createdBy: coordinator!.id, status: 'independent_review' });
  // Due yesterday: every unsubmitted review is overdue.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await db.update(evaluations).set({ reviewDueOn: yesterday }).where(eq(evaluations.id, evaluation.id));
  evaluationId = evaluation.id;
  const seats = [
    [reviewers.chair, 'chair'],
    [reviewers.expert, 'subject_expert'],
    [reviewers.member, 'member'],
  ] as const;
  for (const [email, seatRole] of seats) {
    const [reviewer] = await db.select().from(users).where(eq(users.email, email));
    await seatReviewer(db, { evaluationId, reviewerId: reviewer!.id, seatRole, seatedBy: coordinator!.id });
  }
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Marks every standard met except those in `notMet` (with their reason), proposes one credit line, and waits for the autosave. */
async function fillReview(page: Page, review: { notMet: Record<string, string>; subject: string; comments: string }) {
  for (const id of standardIds) {
    if (review.notMet[id]) {
      await page.getByTestId(`standard-${id}-not-met`).check();
      await page.getByTestId(`standard-${id}-comment`).fill(review.notMet[id]);
    } else {
      await page.getByTestId(`standard-${id}-met`).check();
    }
  }
  await page.getByTestId('add-credit-line').click();
  await page.getByTestId('credit-hours').selectOption('3');
  await page.getByTestId('credit-level').selectOption('lower_division');
  await page.getByTestId('credit-subject').fill(review.subject);
  await page.getByTestId('review-comments-input').fill(review.comments);
  await expect.poll(() => page.getByTestId('save-indicator').getAttribute('data-status')).toBe('saved');
}

async function submitReview(page: Page) {
  await page.getByTestId('submit-review').click();
  await page.getByTestId('confirm-submit').click();
  await page.getByTestId('review-submitted').waitFor();
}

/** What the API answers this page's session for the panel's reviews. */
function panelReviewsStatus(page: Page): Promise<number> {
  return page.evaluate(async (id) => (await fetch(`/api/evaluations/${id}/reviews`)).status, evaluationId);
}

describe('independent reviews in Chromium', () => {
  it('keeps each review private until its author submits, then starts deliberation with the agreement chart', async () => {
    const [chair, expert, member, coordinator] = await Promise.all([
      signInPage(browser, stack.url, reviewers.chair, DEMO_PASSWORD),
      signInPage(browser, stack.url, reviewers.expert, DEMO_PASSWORD),
      signInPage(browser, stack.url, reviewers.member, DEMO_PASSWORD),
      signInPage(browser, stack.url, 'coordinator@quorum.test', DEMO_PASSWORD),
    ]);

    // The chair finds the review from the evaluation page and drafts it; the draft autosaves.
    await chair.goto(`/evaluations/${evaluationId}`);
    await chair.getByTestId('open-review').click();
    await chair.getByTestId('standard-1.1').waitFor();
    expect(await chair.getByTestId('review-deadline').getAttribute('data-overdue')).toBe('true');
    await fillReview(chair, {
      notMet: { '4.3': 'CHAIR-NOTE: forums are unmoderated.' },
      subject: 'Mathematics',
      comments: 'Rigorous algebra and trigonometry; well assessed.',
    });
    await chair.screenshot({ path: 'test-results/review-form.png', fullPage: true });
    await chair.reload();
    await expect.poll(() => chair.getByTestId('standard-4.3').getAttribute('data-met')).toBe('false');
    expect(await chair.getByTestId('standard-4.3-comment').inputValue()).toBe('CHAIR-NOTE: forums are unmoderated.');

    // Before anyone submits: the others see nothing of it, and neither does the coordinator (status only).
    await expert.goto(`/evaluations/${evaluationId}/review`);
    await expert.getByTestId('standard-1.1').waitFor();
    expect(await expert.getByTestId('panel-reviews').count()).toBe(0);
    expect(await expert.content()).not.toContain('CHAIR-NOTE');
    expect(await panelReviewsStatus(expert)).toBe(403);
    await coordinator.goto(`/evaluations/${evaluationId}`);
    const chairRow = coordinator.getByTestId('review-progress-row').filter({ hasText: 'Rita Okafor' });
    await expect.poll(() => chairRow.getAttribute('data-status')).toBe('draft');
    expect(await coordinator.getByTestId('overdue-flag').count()).toBe(3);
    expect(await coordinator.content()).not.toContain('CHAIR-NOTE');
    expect(await panelReviewsStatus(coordinator)).toBe(403);
    await coordinator.screenshot({ path: 'test-results/review-progress-coordinator.png', fullPage: true });

    // The chair submits and now sees submitted reviews: none from the others yet.
    await submitReview(chair);
    await chair.getByTestId('no-other-reviews').waitFor();
    expect(await panelReviewsStatus(chair)).toBe(200);
    await expect.poll(() => chairRow.getAttribute('data-status')).toBe('submitted');

    // The expert drafts, still sees nothing of the chair's, submits, and then sees it.
    await fillReview(expert, {
      notMet: { '4.3': 'No moderation policy for peer forums.', '2.5': 'Practice quizzes give no feedback.' },
      subject: 'College Algebra',
      comments: 'Sound course; feedback on practice work is thin.',
    });
    expect(await expert.content()).not.toContain('CHAIR-NOTE');
    await submitReview(expert);
    await expert.getByTestId('review-card').filter({ hasText: 'Rita Okafor' }).waitFor();
    expect(await expert.content()).toContain('CHAIR-NOTE');
    // The chair's page was not reloaded: the expert's review arrives live.
    await chair.getByTestId('review-card').filter({ hasText: 'Jonas Lindqvist' }).waitFor();

    // The last panelist: private until submitted, then the evaluation moves to deliberation.
    await member.goto(`/evaluations/${evaluationId}/review`);
    await member.getByTestId('standard-1.1').waitFor();
    expect(await member.getByTestId('panel-reviews').count()).toBe(0);
    expect(await member.content()).not.toContain('CHAIR-NOTE');
    expect(await panelReviewsStatus(member)).toBe(403);
    await fillReview(member, {
      notMet: { '6.1': 'Two lecture videos lack captions.' },
      subject: 'Mathematics',
      comments: 'Meets the standard for lower-division credit.',
    });
    await member.screenshot({ path: 'test-results/review-before-submit.png', fullPage: true });
    await submitReview(member);
    await expect.poll(() => member.getByTestId('evaluation-status').getAttribute('data-status')).toBe('deliberation');
    await expect.poll(() => member.getByTestId('review-card').count()).toBe(3);
    await member.screenshot({ path: 'test-results/review-after-submit.png', fullPage: true });

    // Deliberation: agreement and split per standard, the pass rule, proposals side by side.
    await member.getByTestId('open-deliberation').click();
    await member.getByTestId('agreement-chart').waitFor();
    const tally = (id: string) => member.locator(`[data-testid="standard-tally"][data-standard="${id}"]`);
    expect(await tally('1.1').getAttribute('data-agreement')).toBe('unanimous');
    expect(await tally('4.3').getAttribute('data-agreement')).toBe('majority');
    expect(await tally('4.3').getAttribute('data-finding')).toBe('not_met');
    expect(await tally('6.1').getAttribute('data-finding')).toBe('met');
    expect(await tally('4.3').getByTestId('agreement-not-met').getAttribute('data-count')).toBe('2');
    expect(await member.getByTestId('pass-result').getAttribute('data-passes')).toBe('true');
    expect(await member.getByTestId('panel-points').textContent()).toContain('51 of 52');
    expect(await member.getByTestId('proposal').count()).toBe(3);
    expect(await member.getByTestId('proposal').filter({ hasText: 'Jonas Lindqvist' }).textContent()).toContain(
      'In the lower-division baccalaureate/associate degree category, 3 semester hours in College Algebra',
    );
    await member.screenshot({ path: 'test-results/deliberation-summary.png', fullPage: true });

    // The coordinator's page follows live and now opens the same summary.
    await expect.poll(() => coordinator.getByTestId('evaluation-status').first().getAttribute('data-status')).toBe('deliberation');
    await coordinator.getByTestId('open-deliberation').click();
    await coordinator.getByTestId('agreement-chart').waitFor();
    expect(await coordinator.getByTestId('standard-tally').count()).toBe(standardIds.length);
  }, 180_000);
});
