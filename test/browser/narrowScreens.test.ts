import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { evaluations } from '../../server/db/schema.ts';
import { DEMO_PASSWORD } from '../../server/seed/demoData.ts';
import { seedDemoDeliberation } from '../../server/seed/demoDeliberation.ts';
import { launchChromium } from '../support/browser.ts';
import { panelInDeliberation, publishThroughApi } from '../support/decisions.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

// A panelist reads, comments and votes from a phone as well: every page fits a phone's width
// (a wide table scrolls inside its card) and nothing is cut off.

let stack: TestStack;
let browser: Browser;
let evaluationId: string;
let courseId: string;
let recommendationId: string;
let publishedEvaluationId: string;

const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ pages: true, seed: true }), launchChromium()]);
  evaluationId = await seedDemoDeliberation(stack.server.app);
  const [row] = await stack.database.db.select({ courseId: evaluations.courseId }).from(evaluations).where(eq(evaluations.id, evaluationId));
  courseId = row!.courseId;
  const published = await panelInDeliberation(stack);
  publishedEvaluationId = published.evaluationId;
  recommendationId = await publishThroughApi(published);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** A phone-sized browser context, signed in as `email` (or not signed in). */
async function phone(email?: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: stack.url, viewport: PHONE, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  if (email) {
    await page.goto('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('user-menu').waitFor();
  }
  return page;
}

/** How far the page is wider than the screen, in CSS pixels (0: no sideways scrolling), and which elements stick out. */
async function overflowOf(page: Page, name: string, path: string, ready: string): Promise<{ path: string; overflow: number; culprits: string[] }> {
  await page.goto(path);
  await page.locator(ready).first().waitFor();
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: `test-results/narrow-${name}.png`, fullPage: true });
  // Not window.innerWidth: a mobile browser widens its layout viewport to content that sticks out.
  return page.evaluate(({ where, width }) => {
    const sticksOut = (element: Element | null): boolean => {
      if (!element || element === document.body) return false;
      const box = element.getBoundingClientRect();
      // Inside a scrolling container (a wide table, the nav) is fine.
      return box.width > 0 && box.right > width + 1 && getComputedStyle(element).position !== 'fixed';
    };
    const scrolls = (element: Element) => element.closest('.table-wrap, nav') !== null;
    // The outermost elements that stick out: where to look.
    const culprits = [...document.querySelectorAll('body *')]
      .filter((element) => sticksOut(element) && !sticksOut(element.parentElement) && !scrolls(element))
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`);
    return { path: where, overflow: document.documentElement.scrollWidth - width, culprits };
  }, { where: path, width: PHONE.width });
}

describe('on a phone (390 px wide)', () => {
  it('fits every page of a panelist, a coordinator, an admin and a visitor to the width of the screen', async () => {
    const results = [];
    const chair = await phone('r.okafor@umd.edu');
    results.push(await overflowOf(chair, 'chair-dashboard', '/', '[data-testid="evaluation-row"]'));
    results.push(await overflowOf(chair, 'chair-evaluation', `/evaluations/${evaluationId}`, '[data-testid="decision-panel"]'));
    results.push(await overflowOf(chair, 'chair-review', `/evaluations/${evaluationId}/review`, 'h1'));
    results.push(await overflowOf(chair, 'chair-deliberation-summary', `/evaluations/${evaluationId}/deliberation`, 'h1'));
    results.push(await overflowOf(chair, 'chair-worksheet', `/evaluations/${evaluationId}/worksheet`, '[data-testid="save-status"][data-status="saved"]'));

    const coordinator = await phone('coordinator@quorum.test');
    results.push(await overflowOf(coordinator, 'coordinator-dashboard', '/', '[data-testid="evaluation-row"]'));
    results.push(await overflowOf(coordinator, 'coordinator-evaluation', `/evaluations/${evaluationId}`, '[data-testid="seat-row"]'));
    results.push(await overflowOf(coordinator, 'coordinator-published-evaluation', `/evaluations/${publishedEvaluationId}`, '[data-testid="motion-outcome"]'));
    results.push(await overflowOf(coordinator, 'coordinator-courses', '/courses', 'h1'));
    results.push(await overflowOf(coordinator, 'coordinator-course', `/courses/${courseId}`, 'h1'));
    results.push(await overflowOf(coordinator, 'coordinator-new-course', '/courses/new', '[data-testid="course-form"]'));
    results.push(await overflowOf(coordinator, 'coordinator-import', '/courses/import', 'h1'));

    const admin = await phone('admin@quorum.test');
    results.push(await overflowOf(admin, 'admin-audit', '/admin/audit', 'h1'));

    const visitor = await phone();
    results.push(await overflowOf(visitor, 'login', '/login', 'h1'));
    results.push(await overflowOf(visitor, 'registry', '/registry', 'h1'));
    results.push(await overflowOf(visitor, 'registry-record', `/registry/${recommendationId}`, '[data-testid="registry-title"]'));

    expect(results.filter((result) => result.overflow > 0)).toEqual([]);
  }, 180_000);
});
