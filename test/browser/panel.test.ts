import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInPage } from '../support/browser.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { DEMO_PASSWORD } from '../../server/seed/demoData.ts';

let stack: TestStack;
let browser: Browser;
let coordinator: Page;
let evaluationPath: string;

const suggestion = (page: Page, email: string) => page.locator(`[data-testid="suggestion"][data-reviewer="${email}"]`);
const seatRow = (page: Page, email: string) => page.locator(`[data-testid="seat-row"][data-reviewer="${email}"]`);

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ pages: true, seed: true }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('forming a panel in Chromium', () => {
  it('seats three reviewers, refusing the Duke reviewer on a Duke course, then starts the independent review', async () => {
    coordinator = await signInPage(browser, stack.url, 'coordinator@quorum.test', DEMO_PASSWORD);
    await coordinator.getByTestId('new-evaluation').click();
    await coordinator.getByTestId('course-select').selectOption({ label: 'Introduction to Genetics and Evolution · Coursera · genetics-evolution-duke v2013.1' });
    await coordinator.getByTestId('quorum-select').selectOption('two_thirds_of_seated');
    await coordinator.getByTestId('due-independent_review').fill('2027-02-01');
    await coordinator.getByTestId('create-evaluation').click();
    await coordinator.getByRole('link', { name: 'Introduction to Genetics and Evolution' }).click();
    await coordinator.getByTestId('transition-open_panel').click();
    await expect.poll(() => coordinator.getByTestId('evaluation-status').getAttribute('data-status')).toBe('panel_forming');
    evaluationPath = new URL(coordinator.url()).pathname;
    expect(await coordinator.getByTestId('quorum-rule').textContent()).toBe('two thirds of seated');
    expect(await coordinator.getByTestId('phase-due-dates').textContent()).toContain('independent review: Feb 1, 2027');

    // Ranked by expertise: the two geneticists first, the Duke one flagged.
    await coordinator.getByTestId('suggestion').first().waitFor();
    const order = await coordinator.getByTestId('suggestion').evaluateAll((items) => items.map((item) => item.getAttribute('data-reviewer')));
    expect(order.slice(0, 2)).toEqual(['m.chen@duke.edu', 'a.haddad@ucdavis.edu']);
    expect(await suggestion(coordinator, 'm.chen@duke.edu').getByTestId('suggestion-conflict').allTextContents()).toEqual([
      'COI: Same institution',
      'COI: Partner email domain',
    ]);
    expect(await suggestion(coordinator, 'a.haddad@ucdavis.edu').textContent()).toContain('“genetics” in the title (+2)');
    await coordinator.screenshot({ path: 'test-results/panel-suggestions.png', fullPage: true });

    // Seating Dr. Chen is refused for the conflict; the override dialog asks for a justification.
    await suggestion(coordinator, 'm.chen@duke.edu').getByTestId('seat-reviewer').click();
    await coordinator.getByTestId('override-dialog').waitFor();
    expect(await coordinator.getByTestId('panel-error').textContent()).toContain('has a conflict of interest');
    await coordinator.getByTestId('override-confirm').click();
    await coordinator.getByTestId('override-error').waitFor();
    expect(await coordinator.getByTestId('override-error').textContent()).toContain('justification');
    await coordinator.screenshot({ path: 'test-results/panel-coi-refusal.png', fullPage: true });
    await coordinator.getByTestId('override-cancel').click();
    expect(await coordinator.getByTestId('seat-row').count()).toBe(0);

    await suggestion(coordinator, 'a.haddad@ucdavis.edu').getByTestId('seat-reviewer').click();
    await seatRow(coordinator, 'a.haddad@ucdavis.edu').waitFor();
    await suggestion(coordinator, 's.novak@cuny.edu').getByTestId('seat-role').selectOption('subject_expert');
    await suggestion(coordinator, 's.novak@cuny.edu').getByTestId('seat-reviewer').click();
    await seatRow(coordinator, 's.novak@cuny.edu').waitFor();
    await expect.poll(() => coordinator.getByTestId('transition-failures').textContent()).not.toContain('chair');
    await suggestion(coordinator, 'r.okafor@umd.edu').getByTestId('seat-reviewer').click();
    await seatRow(coordinator, 'r.okafor@umd.edu').waitFor();

    const roles = await coordinator.getByTestId('seat-row').evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-reviewer'), row.getAttribute('data-seat-role')]));
    expect(roles).toEqual([
      ['a.haddad@ucdavis.edu', 'chair'],
      ['s.novak@cuny.edu', 'subject_expert'],
      ['r.okafor@umd.edu', 'member'],
    ]);
    expect(await coordinator.getByTestId('panel-count').textContent()).toBe('3 of 3 seats filled');
    await expect.poll(() => coordinator.getByTestId('transition-start_review').isEnabled()).toBe(true);
    await coordinator.screenshot({ path: 'test-results/panel-formed.png', fullPage: true });

    await coordinator.getByTestId('transition-start_review').click();
    await expect.poll(() => coordinator.getByTestId('evaluation-status').getAttribute('data-status')).toBe('independent_review');
    // The panel is frozen once the review starts: no more seating or removing.
    await expect.poll(() => coordinator.getByTestId('remove-seat').count()).toBe(0);
    expect(await coordinator.getByTestId('suggestions').count()).toBe(0);
    await coordinator.screenshot({ path: 'test-results/panel-review-started.png', fullPage: true });
  });

  it('lets a seated reviewer declare a conflict: their page closes at once, the coordinator sees it live', async () => {
    const reviewer = await signInPage(browser, stack.url, 'r.okafor@umd.edu', DEMO_PASSWORD);
    await reviewer.getByRole('link', { name: 'Introduction to Genetics and Evolution' }).click();
    await reviewer.getByTestId('panel-section').waitFor();
    expect(await reviewer.getByTestId('seat-conflict').count()).toBe(0);
    await reviewer.getByTestId('declare-conflict').click();
    await reviewer.getByTestId('conflict-reason').fill('I examined the course instructor’s doctoral thesis.');
    await reviewer.screenshot({ path: 'test-results/panel-declare-conflict.png', fullPage: true });
    await reviewer.getByTestId('confirm-conflict').click();
    await reviewer.getByText('You no longer have access to this evaluation.').waitFor();

    await coordinator.goto(evaluationPath);
    // The panel is frozen by now: the seat is not resolved any more, its reviewer has stepped down.
    await seatRow(coordinator, 'r.okafor@umd.edu').getByText('Stepped down: no longer reviews, deliberates or votes').waitFor();
    expect(await coordinator.getByTestId('conflict-declarations').textContent()).toContain('doctoral thesis');
    await coordinator.screenshot({ path: 'test-results/panel-conflict-declared.png', fullPage: true });

    await reviewer.goto('/');
    await reviewer.getByTestId('empty-state').waitFor();
  });
});
