import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decisionPost, sampleMotion } from '../support/decisions.ts';
import { buildCourse, buildDeliberation, buildUser, TEST_PASSWORD } from '../support/factories.ts';
import { launchChromium, signInPage } from '../support/browser.ts';
import { signedIn } from '../support/http.ts';
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
const statusIs = (page: Page, status: string) => page.locator(`[data-testid="evaluation-status"][data-status="${status}"]`).first().waitFor(LIVE);

describe('an evaluation followed live by a panelist and an observer, in Chromium', () => {
  it('keeps the evaluation, worksheet and deliberation pages current through the vote, an offline spell, finalize and publish', async () => {
    const db = stack.database.db;
    const course = await buildCourse(db, { title: 'Bioelectricity: A Quantitative Approach', partnerInstitution: 'Duke University' });
    const [coordinatorUser, chairUser, expertUser, memberUser] = await Promise.all([
      buildUser(db, { role: 'coordinator', name: 'Casey Morgan' }),
      buildUser(db, { role: 'reviewer', name: 'Dr. Rita Okafor', institution: 'University of Maryland' }),
      buildUser(db, { role: 'reviewer', name: 'Prof. Jonas Lindqvist', institution: 'Arizona State University' }),
      buildUser(db, { role: 'reviewer', name: 'Dr. Mei Chen', institution: 'Ivy Tech Community College' }),
    ]);
    const evaluation = await buildDeliberation(db, { courseId: course.id, createdBy: coordinatorUser.id, reviewerIds: [chairUser.id, expertUser.id, memberUser.id] });
    const id = evaluation.id;
    // The chair, the expert and the coordinator act through the API; the member and an observer watch pages.
    const [chair, expert, coordinatorApi] = await Promise.all([chairUser, expertUser, coordinatorUser].map((user) => signedIn(stack.url, user.email)));
    const [member, observer] = await Promise.all([
      signInPage(browser, stack.url, memberUser.email, TEST_PASSWORD),
      signInPage(browser, stack.url, coordinatorUser.email, TEST_PASSWORD),
    ]);
    const memberWorksheet = await member.context().newPage();
    await Promise.all([member.goto(`/evaluations/${id}`), memberWorksheet.goto(`/evaluations/${id}/worksheet`), observer.goto(`/evaluations/${id}/deliberation`)]);
    await member.getByTestId('no-motion').waitFor(LIVE);
    await memberWorksheet.getByTestId('presence').or(memberWorksheet.locator('.ProseMirror')).first().waitFor(LIVE);
    await statusIs(observer, 'deliberation');

    const put = await decisionPost(chair!, id, '/motions', sampleMotion());
    expect(put.status).toBe(201);
    const motionId = put.body.motionId!;
    await member.getByTestId('ballot').waitFor(LIVE);
    await statusIs(member, 'voting');
    await statusIs(memberWorksheet, 'voting');
    await statusIs(observer, 'voting');

    expect((await decisionPost(chair!, id, `/motions/${motionId}/votes`, { choice: 'approve', note: 'Sound quantitative core.' })).status).toBe(201);
    await member.getByTestId('tally').filter({ hasText: '1 approve' }).waitFor(LIVE);

    // The member drops off the network; the motion carries and is finalized meanwhile.
    await member.context().setOffline(true);
    await memberWorksheet.locator('[data-testid="save-status"][data-status="offline"]').waitFor(LIVE);
    expect((await decisionPost(expert!, id, `/motions/${motionId}/votes`, { choice: 'approve' })).status).toBe(201);
    expect((await coordinatorApi!.post(`/api/evaluations/${id}/transitions`, { action: 'finalize', expectedState: 'voting' })).status).toBe(200);
    await statusIs(observer, 'finalized');
    expect(await member.getByTestId('evaluation-status').first().getAttribute('data-status')).toBe('voting');
    await member.screenshot({ path: 'test-results/live-panel-member-offline.png', fullPage: true });

    // Back online, every page catches up by itself (rejoin + refetch); the worksheet turns read-only.
    await member.context().setOffline(false);
    await member.getByTestId('motion-outcome').filter({ hasText: 'Carried' }).waitFor(LIVE);
    expect(await member.getByTestId('ballot').count()).toBe(0);
    await statusIs(member, 'finalized');
    await statusIs(observer, 'finalized');
    await memberWorksheet.getByTestId('worksheet-readonly').waitFor(LIVE);
    await statusIs(memberWorksheet, 'finalized');

    expect((await decisionPost(coordinatorApi!, id, '/recommendations', { expectedState: 'finalized' })).status).toBe(201);
    await statusIs(member, 'published');
    await statusIs(observer, 'published');
    await statusIs(memberWorksheet, 'published');
    await member.getByTestId('published-recommendation').waitFor(LIVE);
    await member.screenshot({ path: 'test-results/live-panel-member-published.png', fullPage: true });
    await memberWorksheet.screenshot({ path: 'test-results/live-panel-worksheet-read-only.png', fullPage: true });
    await observer.screenshot({ path: 'test-results/live-panel-observer-deliberation.png', fullPage: true });
  }, 180_000);
});
