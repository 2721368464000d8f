import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { evaluations } from '../../server/db/schema.ts';
import { DEMO_PASSWORD } from '../../server/seed/demoData.ts';
import { seedDemoDeliberation } from '../../server/seed/demoDeliberation.ts';
import { launchChromium, signInPage } from '../support/browser.ts';
import { panelInDeliberation, publishThroughApi, putAndVote } from '../support/decisions.ts';
import { buildPanel } from '../support/documents.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

// Every page of the console, as a panelist, a coordinator, an admin and a visitor see it: on a
// phone (a panelist reads, comments and votes from one), and checked for accessibility (faculty
// and staff who use a screen reader or the keyboard; the service asks WCAG 2.1 AA of the courses
// it evaluates, and holds its own console to it).

let stack: TestStack;
let browser: Browser;

interface Visit {
  /** Demo account to sign in as, or the session cookie of one signed in already; neither: a visitor. */
  as?: string;
  cookie?: string;
  name: string;
  path: string;
  /** A selector that shows the page has loaded what it shows. */
  ready: string;
}
let visits: Visit[];
let demoEvaluationId: string;
let votingPanel: Awaited<ReturnType<typeof panelInDeliberation>>;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ pages: true, seed: true }), launchChromium()]);
  const evaluationId = await seedDemoDeliberation(stack.server.app);
  demoEvaluationId = evaluationId;
  const [row] = await stack.database.db.select({ courseId: evaluations.courseId }).from(evaluations).where(eq(evaluations.id, evaluationId));
  const published = await panelInDeliberation(stack);
  const recommendationId = await publishThroughApi(published);
  // A ballot in front of a panelist who has not voted, and a review being written.
  const voting = await panelInDeliberation(stack);
  await putAndVote(voting, []);
  votingPanel = voting;
  const reviewing = await buildPanel(stack.database.db, stack.url, { status: 'independent_review', reviewers: 1 });
  const chair = 'r.okafor@umd.edu';
  const coordinator = 'coordinator@quorum.test';
  visits = [
    { as: chair, name: 'chair-dashboard', path: '/', ready: '[data-testid="evaluation-row"]' },
    { as: chair, name: 'chair-evaluation', path: `/evaluations/${evaluationId}`, ready: '[data-testid="decision-panel"]' },
    { as: chair, name: 'chair-review', path: `/evaluations/${evaluationId}/review`, ready: 'h1' },
    { as: chair, name: 'chair-deliberation-summary', path: `/evaluations/${evaluationId}/deliberation`, ready: 'h1' },
    { as: chair, name: 'chair-worksheet', path: `/evaluations/${evaluationId}/worksheet`, ready: '[data-testid="save-status"][data-status="saved"]' },
    { cookie: voting.panelists[1]!.cookie, name: 'panelist-ballot', path: `/evaluations/${voting.evaluationId}`, ready: '[data-testid="ballot"]' },
    { cookie: reviewing.reviewers[0]!.cookie, name: 'reviewer-review-form', path: `/evaluations/${reviewing.evaluation.id}/review`, ready: '[data-testid="standard-1.1"]' },
    { as: coordinator, name: 'coordinator-dashboard', path: '/', ready: '[data-testid="evaluation-row"]' },
    { as: coordinator, name: 'coordinator-evaluation', path: `/evaluations/${evaluationId}`, ready: '[data-testid="seat-row"]' },
    { as: coordinator, name: 'coordinator-published-evaluation', path: `/evaluations/${published.evaluationId}`, ready: '[data-testid="motion-outcome"]' },
    { as: coordinator, name: 'coordinator-courses', path: '/courses', ready: '[data-testid="course-row"]' },
    { as: coordinator, name: 'coordinator-course', path: `/courses/${row!.courseId}`, ready: 'h1' },
    { as: coordinator, name: 'coordinator-new-course', path: '/courses/new', ready: '[data-testid="course-form"]' },
    { as: coordinator, name: 'coordinator-import', path: '/courses/import', ready: 'h1' },
    { as: 'admin@quorum.test', name: 'admin-audit', path: '/admin/audit', ready: 'h1' },
    { name: 'login', path: '/login', ready: 'h1' },
    { name: 'registry', path: '/registry', ready: 'h1' },
    { name: 'registry-record', path: `/registry/${recommendationId}`, ready: '[data-testid="registry-title"]' },
  ];
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Visits every page in a browser context per account (signed in once), handing each loaded page to `check`. */
async function visitAll<T>(options: BrowserContextOptions, check: (page: Page, visit: Visit) => Promise<T>): Promise<T[]> {
  const pages = new Map<string, Page>();
  const results: T[] = [];
  for (const visit of visits) {
    const key = visit.as ?? visit.cookie ?? '';
    let page = pages.get(key);
    if (!page) {
      if (visit.as) {
        page = await signInPage(browser, stack.url, visit.as, DEMO_PASSWORD, options);
      } else {
        const context = await browser.newContext({ baseURL: stack.url, ...options });
        page = await context.newPage();
        if (visit.cookie) {
          const at = visit.cookie.indexOf('=');
          await context.addCookies([{ name: visit.cookie.slice(0, at), value: visit.cookie.slice(at + 1), url: stack.url }]);
        }
      }
      // What the Content-Security-Policy blocked (Chromium reports each on the console): nothing may be.
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${visit.name}: ${message.text()}`);
      });
      pages.set(key, page);
    }
    await page.goto(visit.path);
    await page.locator(visit.ready).first().waitFor();
    await page.waitForLoadState('networkidle');
    results.push(await check(page, visit));
  }
  await Promise.all([...pages.values()].map((page) => page.context().close()));
  return results;
}

const PHONE = { width: 390, height: 844 };

/** Content-Security-Policy refusals seen on any page visited (see `visitAll`). */
const cspViolations: string[] = [];

/** Presses Tab until the focused element matches `selector` (at most `limit` presses); false if it never does. */
async function tabTo(page: Page, selector: string, limit = 80): Promise<boolean> {
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return true;
  }
  return false;
}

/** What axe-core finds against WCAG 2.1 A and AA on the page as it is now. */
async function axeViolations(page: Page, name: string) {
  const report = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return {
    name,
    violations: report.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      where: violation.nodes.slice(0, 3).map((node) => node.target.join(' ')),
    })),
  };
}

/** Pages whose tables show fewer columns on a phone instead of scrolling inside their card. */
const LISTS_THAT_FIT = new Set(['chair-dashboard', 'coordinator-dashboard', 'coordinator-courses']);

describe('every page', () => {
  it('fits a phone\'s width (a wide table scrolls inside its card)', async () => {
    const results = await visitAll({ viewport: PHONE, isMobile: true, hasTouch: true }, async (page, visit) => {
      await page.screenshot({ path: `test-results/narrow-${visit.name}.png`, fullPage: true });
      if (visit.name === 'panelist-ballot') {
        // While the panel votes, the ballot comes first on a phone, above the evaluation's facts, and
        // first in the document too: the keyboard reaches it before anything else on the page.
        const top = (selector: string) => page.locator(selector).first().evaluate((element) => element.getBoundingClientRect().top);
        expect(await top('[data-testid="ballot"]')).toBeLessThan(await top('[aria-labelledby="facts-title"]'));
        const ballotPrecedesFacts = await page.evaluate(() => {
          const ballot = document.querySelector('[data-testid="ballot"]')!;
          const facts = document.querySelector('[aria-labelledby="facts-title"]')!;
          return (ballot.compareDocumentPosition(facts) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
        });
        expect(ballotPrecedesFacts).toBe(true);
      }
      if (LISTS_THAT_FIT.has(visit.name)) {
        // The lists people scan on a phone show their essential columns without scrolling sideways.
        const scrolled = await page.locator('.table-wrap').evaluateAll((wraps) => wraps.map((wrap) => wrap.scrollWidth - wrap.clientWidth));
        expect(scrolled.length, visit.name).toBeGreaterThan(0);
        expect(scrolled.filter((extra) => extra > 0), visit.name).toEqual([]);
      }
      // Not window.innerWidth: a mobile browser widens its layout viewport to content that sticks out.
      return page.evaluate(({ name, width }) => {
        const sticksOut = (element: Element | null): boolean => {
          if (!element || element === document.body) return false;
          const box = element.getBoundingClientRect();
          return box.width > 0 && box.right > width + 1 && getComputedStyle(element).position !== 'fixed';
        };
        // Inside a scrolling container (a wide table, the nav) is fine.
        const scrolls = (element: Element) => element.closest('.table-wrap, nav') !== null;
        // The outermost elements that stick out: where to look.
        const culprits = [...document.querySelectorAll('body *')]
          .filter((element) => sticksOut(element) && !sticksOut(element.parentElement) && !scrolls(element))
          .slice(0, 5)
          .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`);
        return { name, overflow: document.documentElement.scrollWidth - width, culprits };
      }, { name: visit.name, width: PHONE.width });
    });
    expect(results.filter((result) => result.overflow > 0)).toEqual([]);
    expect(cspViolations).toEqual([]);
  }, 180_000);

  it('passes the automated WCAG 2.1 A and AA checks (axe-core)', async () => {
    const results = await visitAll({ viewport: { width: 1280, height: 800 } }, (page, visit) => axeViolations(page, visit.name));
    expect(results.filter((result) => result.violations.length > 0)).toEqual([]);
    expect(cspViolations).toEqual([]);
  }, 180_000);

  it('passes them with a form, comment threads and outcome rows open too', async () => {
    const page = await signInPage(browser, stack.url, 'j.lindqvist@asu.edu', DEMO_PASSWORD);
    const results = [];

    await page.goto(`/evaluations/${demoEvaluationId}`);
    await page.getByTestId('declare-conflict').click();
    await page.getByTestId('declare-conflict-form').waitFor();
    results.push(await axeViolations(page, 'declare-conflict-form'));

    await page.goto(`/evaluations/${demoEvaluationId}/worksheet`);
    await page.locator('[data-testid="save-status"][data-status="saved"]').waitFor();
    await page.getByTestId('comment-text').fill('Is week 6 (discretization) at the level of a first course?');
    await page.getByTestId('comment-add').click();
    await page.getByTestId('comment-thread').filter({ hasText: 'Is week 6 (discretization)' }).waitFor();
    // The demo's deliberation has mapped the outcomes and resolved a thread: show it, and a blank row.
    await page.getByTestId('show-resolved').check();
    await page.getByTestId('comment-thread').filter({ hasText: 'Are the challenge problems required to pass?' }).waitFor();
    await page.getByTestId('add-outcome').click();
    await expect.poll(() => page.getByTestId('outcome-row').count()).toBe(4);
    await page.locator('[data-testid="save-status"][data-status="saved"]').waitFor();
    results.push(await axeViolations(page, 'worksheet-with-thread-and-outcomes'));
    // On a phone the outcome rows are cards (the table's header hidden but still read out).
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.getByTestId('outcome-row').first().evaluate((row) => getComputedStyle(row).display)).toBe('grid');
    results.push(await axeViolations(page, 'worksheet-on-a-phone'));

    await page.context().close();
    expect(results.filter((result) => result.violations.length > 0)).toEqual([]);
  }, 120_000);

  it('can be used from the keyboard alone: a vote, the notes, a comment thread', async () => {
    const context = await browser.newContext({ baseURL: stack.url, viewport: { width: 1280, height: 800 } });
    const panelist = votingPanel.panelists[2]!;
    const at = panelist.cookie.indexOf('=');
    await context.addCookies([{ name: panelist.cookie.slice(0, at), value: panelist.cookie.slice(at + 1), url: stack.url }]);
    const page = await context.newPage();
    await page.goto(`/evaluations/${votingPanel.evaluationId}`);
    await page.getByTestId('ballot').waitFor();
    // Focus is visible wherever it lands, and the ballot's buttons are reached and pressed with keys.
    expect(await tabTo(page, '[data-testid="vote-note"]')).toBe(true);
    await page.keyboard.type('Agree on three hours.');
    expect(await tabTo(page, '[data-testid="vote-approve"]', 3)).toBe(true);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.getByTestId('my-vote').filter({ hasText: 'approve' }).waitFor();

    const reviewer = await signInPage(browser, stack.url, 'j.lindqvist@asu.edu', DEMO_PASSWORD);
    await reviewer.goto(`/evaluations/${demoEvaluationId}/worksheet`);
    await reviewer.locator('[data-testid="save-status"][data-status="saved"]').waitFor();
    expect(await tabTo(reviewer, '[data-testid="notes-editor"]')).toBe(true);
    await reviewer.keyboard.type('Typed without a mouse.');
    // Select the line just typed and comment on it: the toolbar's button is one Shift+Tab back.
    await reviewer.keyboard.press('Shift+Home');
    // ProseMirror reads the browser's selection change a moment later; the button is enabled then.
    await expect.poll(() => reviewer.getByTestId('comment-selection').isEnabled()).toBe(true);
    await reviewer.keyboard.press('Shift+Tab');
    expect(await reviewer.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('comment-selection');
    await reviewer.keyboard.press('Enter');
    await reviewer.getByTestId('comment-pending').filter({ hasText: 'Typed without a mouse.' }).waitFor();
    expect(await tabTo(reviewer, '[data-testid="comment-text"]')).toBe(true);
    await reviewer.keyboard.type('Keyboard comment on a passage.');
    expect(await tabTo(reviewer, '[data-testid="comment-add"]', 3)).toBe(true);
    await reviewer.keyboard.press('Enter');
    const thread = reviewer.getByTestId('comment-thread').filter({ hasText: 'Keyboard comment on a passage.' });
    await thread.waitFor();
    expect(await thread.getByTestId('comment-anchor-label').textContent()).toContain('Typed without a mouse.');
    expect(await reviewer.getByTestId('notes-editor').textContent()).toContain('Typed without a mouse.');
    await reviewer.locator('[data-testid="save-status"][data-status="saved"]').waitFor();
    await Promise.all([context.close(), reviewer.context().close()]);
  }, 120_000);
});
