import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { buildUser, TEST_PASSWORD } from '../support/factories.ts';
import { launchChromium, signInPage } from '../support/browser.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { DEMO_PASSWORD } from '../../server/seed/demoData.ts';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ pages: true, seed: true, workers: true }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('coordinator dashboard in Chromium', () => {
  it('creates an evaluation that appears live, with its summary job, on another coordinator\'s dashboard', async () => {
    const colleague = await buildUser(stack.database.db, { role: 'coordinator', name: 'Robin Colleague' });
    const [creator, watcher] = await Promise.all([
      signInPage(browser, stack.url, 'coordinator@quorum.test', DEMO_PASSWORD),
      signInPage(browser, stack.url, colleague.email, TEST_PASSWORD),
    ]);
    await expect.poll(() => watcher.getByTestId('empty-state').isVisible()).toBe(true);

    await creator.getByTestId('new-evaluation').click();
    await creator.getByTestId('course-select').selectOption({ label: 'Introduction to Genetics and Evolution · Coursera · genetics-evolution-duke v2013.1' });
    await creator.getByTestId('create-evaluation').click();
    const createdRow = creator.getByTestId('evaluation-row').filter({ hasText: 'Introduction to Genetics and Evolution' });
    await createdRow.waitFor();

    // The other coordinator's page was not reloaded: the row arrives over Socket.IO.
    const liveRow = watcher.getByTestId('evaluation-row').filter({ hasText: 'Introduction to Genetics and Evolution' });
    await liveRow.waitFor();
    await expect.poll(() => liveRow.getByTestId('evaluation-status').getAttribute('data-status')).toBe('intake');
    await expect.poll(() => liveRow.getByTestId('summary-state').textContent(), { timeout: 30_000 }).toBe('ready');
    await watcher.screenshot({ path: 'test-results/dashboard-live-update.png', fullPage: true });
    await creator.screenshot({ path: 'test-results/dashboard-creator.png', fullPage: true });
  });

  it('hides the create button from a reviewer, and the server refuses the request anyway', async () => {
    const reviewer = await signInPage(browser, stack.url, 'r.okafor@umd.edu', DEMO_PASSWORD);
    await reviewer.getByTestId('user-menu').waitFor();
    expect(await reviewer.getByTestId('new-evaluation').count()).toBe(0);
    const refusal = await reviewer.evaluate(async () => {
      const session = (await (await fetch('/api/auth/session')).json()) as { csrfToken: string };
      const courses = await fetch('/api/courses');
      const response = await fetch('/api/evaluations', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ courseId: '00000000-0000-4000-8000-000000000000' }),
      });
      return { courses: courses.status, status: response.status, body: (await response.json()) as unknown };
    });
    expect(refusal).toMatchObject({ courses: 403, status: 403, body: { error: { code: 'forbidden', message: 'You may not create evaluations.' } } });
    await reviewer.screenshot({ path: 'test-results/dashboard-reviewer.png', fullPage: true });
  });

  it('lets an admin read and verify the audit chain of what happened', async () => {
    const admin = await signInPage(browser, stack.url, 'admin@quorum.test', DEMO_PASSWORD);
    await admin.getByRole('link', { name: 'Audit log' }).click();
    await admin.getByTestId('audit-row').first().waitFor();
    expect(await admin.getByTestId('audit-row').filter({ hasText: 'evaluation.created' }).count()).toBeGreaterThan(0);
    await admin.getByTestId('verify-chain').click();
    await expect.poll(() => admin.getByTestId('verify-result').textContent()).toMatch(/Chain intact/);
    await admin.screenshot({ path: 'test-results/audit-log.png', fullPage: true });
  });
});
