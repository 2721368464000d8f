import { eq, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { evaluations, panelSeats, users } from '../../server/db/schema.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decisionPost, sampleMotion } from '../support/decisions.ts';
import { buildCourse, buildDeliberation, buildUser, TEST_PASSWORD } from '../support/factories.ts';
import { launchChromium, onSocketIoPackets, signInPage } from '../support/browser.ts';
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
/** An evaluation in deliberation with `reviewers` seated reviewers, and the coordinator who opened it. */
async function deliberationWith(reviewers: number) {
  const db = stack.database.db;
  const course = await buildCourse(db);
  const [coordinatorUser, ...reviewerUsers] = await Promise.all([
    buildUser(db, { role: 'coordinator' }),
    ...Array.from({ length: reviewers }, () => buildUser(db, { role: 'reviewer' })),
  ]);
  const evaluation = await buildDeliberation(db, { courseId: course.id, createdBy: coordinatorUser!.id, reviewerIds: reviewerUsers.map((user) => user.id) });
  return { evaluation, coordinatorUser: coordinatorUser!, reviewerUsers };
}

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

  it('comes back live by itself when the server refused its reconnection for a while', async () => {
    const db = stack.database.db;
    const coordinatorUser = await buildUser(db, { role: 'coordinator', name: 'Casey Morgan' });
    const page = await signInPage(browser, stack.url, coordinatorUser.email, TEST_PASSWORD);
    await page.goto('/');
    const live = page.locator('.live');
    await page.locator('.live--on').waitFor(LIVE);

    // Off the network; meanwhile the database stops answering session lookups.
    await page.context().setOffline(true);
    await live.filter({ hasText: 'Offline' }).waitFor(LIVE);
    // Socket.IO's CONNECT_ERROR packet (`44…`), over long-polling (the transport a connection starts on) or WebSocket.
    const refused = new Promise<string>((resolveRefusal) =>
      onSocketIoPackets(page, (packet) => {
        if (packet.startsWith('44')) resolveRefusal(packet);
      }),
    );
    await db.execute(sql`alter table sessions rename to sessions_away`);
    try {
      await page.context().setOffline(false);
      expect(await refused).toContain('internal');
    } finally {
      await db.execute(sql`alter table sessions_away rename to sessions`);
    }
    // Socket.IO does not retry a refused connection by itself; the console does.
    await page.locator('.live--on').waitFor(LIVE);
  }, 120_000);

  it('watches an evaluation again by itself when the server could not check access at the first try', async () => {
    const db = stack.database.db;
    const { evaluation, coordinatorUser } = await deliberationWith(1);
    const page = await signInPage(browser, stack.url, coordinatorUser.email, TEST_PASSWORD);
    await page.goto(`/evaluations/${evaluation.id}`);
    await statusIs(page, 'deliberation');

    // Off the network; when it comes back, the panel's seats cannot be read for a moment.
    await page.context().setOffline(true);
    await page.waitForFunction(() => !navigator.onLine);
    // The watch's error ack, over whichever transport the new connection is on by then.
    const watchFailed = new Promise<void>((resolveFailure) =>
      onSocketIoPackets(page, (packet) => {
        if (packet.includes('"code":"internal"')) resolveFailure();
      }),
    );
    await db.execute(sql`alter table panel_seats rename to panel_seats_away`);
    try {
      await page.context().setOffline(false);
      await watchFailed;
    } finally {
      await db.execute(sql`alter table panel_seats_away rename to panel_seats`);
    }
    // Back in the room: the next change arrives live.
    await db.update(evaluations).set({ status: 'voting' }).where(eq(evaluations.id, evaluation.id));
    await expect.poll(async () => {
      stack.server.app.notify.evaluationChanged(evaluation.id, 'voting');
      return page.getByTestId('evaluation-status').first().getAttribute('data-status');
    }, LIVE).toBe('voting');
  }, 120_000);

  it('shows a panelist whose seat went while the page was offline that the evaluation is closed to them', async () => {
    const db = stack.database.db;
    const {
      evaluation,
      reviewerUsers: [, removedUser],
    } = await deliberationWith(2);
    const page = await signInPage(browser, stack.url, removedUser!.email, TEST_PASSWORD);
    await page.goto(`/evaluations/${evaluation.id}`);
    await statusIs(page, 'deliberation');

    // Unseated while offline, behind the commands' back: no word reaches the page but its next watch's refusal.
    await page.context().setOffline(true);
    await page.waitForFunction(() => !navigator.onLine);
    await db.update(panelSeats).set({ removedAt: new Date() }).where(eq(panelSeats.reviewerId, removedUser!.id));
    await page.context().setOffline(false);
    const alert = page.getByTestId('evaluation-error');
    await alert.waitFor(LIVE);
    expect(await alert.textContent()).toBe('You may not see this evaluation.');
    // The page as a whole says so, in place of what it showed (its parts' own errors went with them).
    await expect.poll(() => page.getByRole('alert').count()).toBe(1);
    expect(await page.getByTestId('evaluation-status').count()).toBe(0);
  }, 120_000);

  it('starts over under the new role when the role changed while the page was offline', async () => {
    const db = stack.database.db;
    const coordinatorUser = await buildUser(db, { role: 'coordinator' });
    const page = await signInPage(browser, stack.url, coordinatorUser.email, TEST_PASSWORD);
    await page.goto('/');
    await page.locator('.live--on').waitFor(LIVE);
    await page.evaluate(() => Object.assign(window, { loadedAsCoordinator: true }));

    // Demoted while offline: the re-check's word cannot reach the page, so its next connection says
    // which role it was loaded under, and the server has it start over.
    await page.context().setOffline(true);
    await page.waitForFunction(() => !navigator.onLine);
    await db.update(users).set({ role: 'reviewer' }).where(eq(users.id, coordinatorUser.id));
    await page.context().setOffline(false);
    await page.waitForFunction(() => !('loadedAsCoordinator' in window), undefined, LIVE);
    // Reloaded as a reviewer: no coordinator's live dashboard stream any more.
    await page.getByRole('heading', { name: 'Evaluations' }).waitFor(LIVE);
    expect(await page.locator('header').first().textContent()).toMatch(/reviewer · /i);
    expect(await page.locator('.live').count()).toBe(0);
  }, 120_000);

  it('leaves the room of an evaluation page it left while offline, once it is back', async () => {
    const {
      evaluation,
      reviewerUsers: [reviewerUser],
    } = await deliberationWith(1);
    const page = await signInPage(browser, stack.url, reviewerUser!.email, TEST_PASSWORD);
    // Every packet the page's sockets receive that names the evaluation, and every connection confirmed.
    const frames: string[] = [];
    let connects = 0;
    onSocketIoPackets(page, (packet) => {
      if (packet.startsWith('40')) connects += 1;
      if (packet.includes(evaluation.id)) frames.push(packet);
    });
    await page.goto('/registry');
    await page.getByRole('heading').first().waitFor();
    await page.goto(`/evaluations/${evaluation.id}`);
    await statusIs(page, 'deliberation');
    // An event while watching (once the watch has joined): the socket holds a recovery offset from here on.
    await expect
      .poll(() => {
        stack.server.app.notify.evaluationChanged(evaluation.id, 'deliberation');
        return frames.length;
      }, LIVE)
      .toBeGreaterThan(0);

    // Off the network, the reviewer goes on to the registry (a page without the evaluation), then comes back online.
    const redis = new Redis(stack.redis.url);
    const keptForRecovery = async () => (await redis.keys(`${stack.queuePrefix}:sio:session:*`)).length;
    try {
      const kept = await keptForRecovery();
      await page.context().setOffline(true);
      await page.waitForFunction(() => !navigator.onLine);
      await page.getByRole('link', { name: 'Registry' }).click();
      await page.waitForURL((url) => url.pathname === '/registry');
      // The server has seen the connection go and kept its session for recovery (rooms included).
      await expect.poll(async () => (await keptForRecovery()) > kept, { timeout: 60_000 }).toBe(true);
    } finally {
      redis.disconnect();
    }
    const [seen, connected] = [frames.length, connects];
    await page.context().setOffline(false);
    await expect.poll(() => connects, LIVE).toBeGreaterThan(connected);
    // Back (its session recovered, rooms and all): a later event about the evaluation no longer
    // reaches this page's socket once its unwatch, sent on reconnecting, has been handled.
    // (Events sent before it went offline may come now, replayed by the recovery: told apart by status.)
    await page.waitForTimeout(500);
    stack.server.app.notify.evaluationChanged(evaluation.id, 'voting');
    await page.waitForTimeout(1_000);
    expect(frames.slice(seen).filter((frame) => frame.includes('"voting"'))).toEqual([]);
  }, 120_000);
});
