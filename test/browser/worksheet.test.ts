import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { eq, sql } from 'drizzle-orm';
import { courses, users } from '../../server/db/schema.ts';
import { buildPanel, withStorageRefused } from '../support/documents.ts';
import { signedIn } from '../support/http.ts';
import { launchChromium, signInPage } from '../support/browser.ts';
import { TEST_PASSWORD } from '../support/factories.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  // Sockets are re-checked twice a second (a role changed behind the page's back is found at once).
  [stack, browser] = await Promise.all([startTestStack({ pages: true, env: { SOCKET_RECHECK_MS: '500' } }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const notes = (page: Page) => page.getByTestId('notes-editor');
/** The notes as text, without the remote carets' name labels. */
const notesText = (page: Page) =>
  notes(page).evaluate((element) => {
    const copy = element.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
    return copy.textContent ?? '';
  });
const saveStatus = (page: Page) => page.getByTestId('save-status').getAttribute('data-status');

async function openWorksheet(email: string, evaluationId: string): Promise<Page> {
  const page = await signInPage(browser, stack.url, email, TEST_PASSWORD);
  await page.goto(`/evaluations/${evaluationId}`);
  await page.getByTestId('open-worksheet').click();
  await notes(page).waitFor();
  await expect.poll(() => saveStatus(page)).toBe('saved');
  return page;
}

describe('panel worksheet in Chromium', () => {
  it('two panelists co-edit the notes, see each other and their cursors, and converge after one goes offline', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [ada, ben] = [await openWorksheet(panel.reviewers[0]!.user.email, panel.evaluation.id), await openWorksheet(panel.reviewers[1]!.user.email, panel.evaluation.id)];

    // Presence: both see both, with names.
    for (const page of [ada, ben]) await expect.poll(() => page.getByTestId('presence-peer').count()).toBe(2);
    expect(await ada.getByTestId('presence-peer').filter({ hasText: 'Reviewer 2' }).count()).toBe(1);

    await notes(ada).click();
    await ada.keyboard.type('Ada: assessments align with outcomes.');
    await expect.poll(() => notes(ben).textContent()).toContain('Ada: assessments align with outcomes.');
    await notes(ben).click();
    await ben.keyboard.press('End');
    await ben.keyboard.type(' Ben agrees.');
    await expect.poll(() => notes(ada).textContent()).toContain('Ben agrees.');
    // Remote cursors carry the other panelist's name: shown while they type, faded once they stop
    // (the label sits over the line above the caret).
    await expect.poll(() => ada.locator('.collaboration-carets__label').allTextContents()).toContain('Reviewer 2');
    const bensLabel = ada.locator('.collaboration-carets__label', { hasText: 'Reviewer 2' });
    await ben.keyboard.type('!');
    await expect.poll(() => bensLabel.evaluate((label) => getComputedStyle(label).opacity)).toBe('1');
    await expect.poll(() => bensLabel.evaluate((label) => getComputedStyle(label).opacity)).toBe('0');
    await ben.keyboard.press('Backspace');
    await expect.poll(() => saveStatus(ada)).toBe('saved');

    // Structured parts travel the same way: an outcome row and a comment thread.
    await ada.getByTestId('add-course-outcomes').click();
    const evidence = ada.getByTestId('outcome-row').first().getByLabel('Evidence');
    await evidence.fill('Proctored final exam');
    await expect.poll(() => ben.getByTestId('outcome-row').first().getByLabel('Evidence').inputValue()).toBe('Proctored final exam');
    // An outcome's fields wrap to show it whole but stay one line: Enter adds nothing, a pasted line break is a space.
    await evidence.press('End');
    await evidence.press('Enter');
    await evidence.evaluate((field: HTMLTextAreaElement) => {
      field.setRangeText('\nsections 1–3', field.value.length, field.value.length, 'end');
      field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
    });
    await expect.poll(() => ben.getByTestId('outcome-row').first().getByLabel('Evidence').inputValue()).toBe('Proctored final exam sections 1–3');
    expect(await evidence.inputValue()).toBe('Proctored final exam sections 1–3');
    await ben.getByTestId('comment-text').fill('Is one week enough for this topic?');
    await ben.getByTestId('comment-add').click();
    await ada.getByTestId('comment-thread').waitFor();
    await ada.getByTestId('comment-reply').fill('Yes, with the lab.');
    await ada.getByRole('button', { name: 'Reply' }).click();
    await expect.poll(() => ben.getByTestId('comment-message').allTextContents()).toEqual(['Reviewer 2 Is one week enough for this topic?', 'Reviewer 1 Yes, with the lab.']);
    await ada.getByTestId('comment-resolve').click();
    await expect.poll(() => ben.getByTestId('comment-thread').count()).toBe(0);
    await ben.getByTestId('show-resolved').check();
    await expect.poll(() => ben.getByTestId('comment-thread').getAttribute('data-resolved')).toBe('true');

    // Ben drops off the network, keeps writing; Ada writes too; Ben comes back and both converge.
    await ben.context().setOffline(true);
    await expect.poll(() => saveStatus(ben), { timeout: 30_000 }).toBe('offline');
    await expect.poll(() => ada.getByTestId('presence-peer').count(), { timeout: 30_000 }).toBe(1);
    await notes(ben).click();
    await ben.keyboard.press('End');
    await ben.keyboard.type(' Written offline.');
    await notes(ada).click();
    await ada.keyboard.press('End');
    await ada.keyboard.type(' Ada while Ben is away.');
    await expect.poll(() => saveStatus(ada)).toBe('saved');
    expect(await saveStatus(ben)).toBe('offline');
    await ben.screenshot({ path: 'test-results/worksheet-offline.png', fullPage: true });
    // Ben's offline edit exists only on his page: leaving it asks first, and staying keeps it.
    const asked: string[] = [];
    ben.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    const worksheetUrl = ben.url();
    await ben.getByRole('link', { name: '← Evaluation' }).click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toContain('not saved yet');
    expect(ben.url()).toBe(worksheetUrl);
    expect(await notesText(ben)).toContain('Written offline.');

    await ben.context().setOffline(false);
    await expect.poll(() => saveStatus(ben), { timeout: 30_000 }).toBe('saved');
    for (const page of [ada, ben]) {
      await expect.poll(() => notes(page).textContent()).toContain('Written offline.');
      await expect.poll(() => notes(page).textContent()).toContain('Ada while Ben is away.');
    }
    expect(await notesText(ada)).toBe(await notesText(ben));
    // Both appended at the same spot: Yjs orders the two concurrent inserts the same way for everyone.
    expect(await notesText(ada)).toMatch(/^Ada: assessments align with outcomes\. Ben agrees\.( Ada while Ben is away\.| Written offline\.){2}$/);
    await expect.poll(() => ada.getByTestId('presence-peer').count()).toBe(2);
    await ada.screenshot({ path: 'test-results/worksheet.png', fullPage: true });
  });

  it('anchors a comment to a selected passage that follows everyone\'s edits, and shows it in the notes', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [ada, ben] = [await openWorksheet(panel.reviewers[0]!.user.email, panel.evaluation.id), await openWorksheet(panel.reviewers[1]!.user.email, panel.evaluation.id)];
    const label = (page: Page) => page.getByTestId('comment-anchor-label').textContent();
    const highlighted = async (page: Page) => (await page.locator('.notes__anchored').allTextContents()).join('');

    await notes(ada).click();
    await ada.keyboard.type('The final exam is proctored online.');
    await expect.poll(() => notes(ben).textContent()).toContain('proctored online.');
    // Ada selects "proctored online" and opens a thread on it.
    await ada.keyboard.press('ArrowLeft');
    for (let index = 0; index < 'proctored online'.length; index++) await ada.keyboard.press('Shift+ArrowLeft');
    await ada.getByTestId('comment-selection').click();
    await expect.poll(() => ada.getByTestId('comment-pending').textContent()).toBe('On “proctored online”');
    await ada.getByTestId('comment-text').fill('Which proctoring vendor?');
    await ada.getByTestId('comment-add').click();
    await expect.poll(() => label(ben)).toBe('“proctored online”');
    // Both see the passage highlighted in the notes.
    for (const page of [ada, ben]) await expect.poll(() => highlighted(page)).toBe('proctored online');

    // Ben writes before the passage and inside it: the anchor moves and grows with the text.
    await notes(ben).click();
    await ben.keyboard.press('Home');
    await ben.keyboard.type('Note: ');
    for (let index = 0; index < 'The final exam is proctored'.length; index++) await ben.keyboard.press('ArrowRight');
    await ben.keyboard.type(' and recorded');
    for (const page of [ada, ben]) {
      await expect.poll(() => label(page)).toBe('“proctored and recorded online”');
      await expect.poll(() => highlighted(page)).toBe('proctored and recorded online');
    }
    await ada.screenshot({ path: 'test-results/worksheet-passage-highlight.png', clip: { x: 0, y: 0, width: 1280, height: 420 } });

    // "Show in notes" selects the passage where it lies now.
    await ada.getByTestId('comment-reveal').click();
    await expect.poll(() => ada.evaluate(() => window.getSelection()?.toString())).toBe('proctored and recorded online');
    await ada.screenshot({ path: 'test-results/worksheet-passage-comment.png', fullPage: true });

    // Deleting the passage keeps the thread with its original quote, marked as gone from the notes.
    await ben.getByTestId('comment-reveal').click();
    // Tiptap focuses the editor on the next animation frame: a key pressed before that goes to the button.
    await expect.poll(() => ben.evaluate(() => window.getSelection()?.toString())).toBe('proctored and recorded online');
    await ben.keyboard.press('Backspace');
    for (const page of [ada, ben]) {
      await expect.poll(() => page.getByTestId('comment-anchor-removed').count()).toBe(1);
      expect(await label(page)).toBe('“proctored online”');
      expect(await page.locator('.notes__anchored').count()).toBe(0);
    }
    expect(await notesText(ada)).toBe('Note: The final exam is .');
    await expect.poll(() => saveStatus(ben)).toBe('saved');
  });

  it('shows a coordinator the live worksheet read-only', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const reviewer = await openWorksheet(panel.reviewers[0]!.user.email, panel.evaluation.id);
    await notes(reviewer).click();
    await reviewer.keyboard.type('Visible to the coordinator.');
    const coordinator = await openWorksheet(panel.coordinator.user.email, panel.evaluation.id);
    await coordinator.getByTestId('worksheet-readonly').waitFor();
    await expect.poll(() => notes(coordinator).textContent()).toContain('Visible to the coordinator.');
    expect(await notes(coordinator).getAttribute('contenteditable')).toBe('false');
    expect(await coordinator.getByTestId('comment-add').count()).toBe(0);
    await coordinator.screenshot({ path: 'test-results/worksheet-observer.png', fullPage: true });
  });

  it('fits a 1280-pixel window when the course names its weeks at length', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    await stack.database.db
      .update(courses)
      .set({ syllabus: [{ week: 1, title: 'Functions, limits and Taylor series of exponential and trigonometric functions', topics: ['series'] }] })
      .where(eq(courses.id, panel.course.id));
    const page = await openWorksheet(panel.reviewers[0]!.user.email, panel.evaluation.id);
    await page.getByTestId('comment-text').waitFor();
    // No horizontal scrolling: the comment form (anchor pickers, text, button) stays inside its card.
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    const card = await page.getByTestId('new-comment').boundingBox();
    const button = await page.getByTestId('comment-add').boundingBox();
    expect(button!.x + button!.width).toBeLessThanOrEqual(card!.x + card!.width);
  });

  it('keeps the live worksheet open when a refresh of the evaluation fails, and says so until one succeeds', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const page = await openWorksheet(panel.reviewers[0]!.user.email, panel.evaluation.id);
    await notes(page).click();
    await page.keyboard.type('Written before the hiccup.');
    await expect.poll(() => saveStatus(page)).toBe('saved');

    const { db } = stack.database;
    // The evaluation's facts cannot be read (the seats table is away) as a phase change asks the page to refresh.
    await db.execute(sql`alter table panel_seats rename to panel_seats_away`);
    try {
      stack.server.app.notify.evaluationChanged(panel.evaluation.id, 'deliberation');
      await page.getByTestId('worksheet-refresh-error').waitFor();
      await page.screenshot({ path: 'test-results/worksheet-refresh-error.png' });
      expect(await page.getByTestId('worksheet-error').count()).toBe(0);
      expect(await notesText(page)).toBe('Written before the hiccup.');
    } finally {
      await db.execute(sql`alter table panel_seats_away rename to panel_seats`);
    }
    stack.server.app.notify.evaluationChanged(panel.evaluation.id, 'deliberation');
    await expect.poll(() => page.getByTestId('worksheet-refresh-error').count()).toBe(0);
    await notes(page).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' And after it.');
    await expect.poll(() => saveStatus(page)).toBe('saved');
    await page.context().close();
  });

  it('takes the worksheet away from a panelist who declares a conflict, and says why', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const reviewer = panel.reviewers[1]!;
    const page = await openWorksheet(reviewer.user.email, panel.evaluation.id);
    // Declared elsewhere (another tab, say): the page is told, its refetch is refused, and that is an
    // answer, not a hiccup: no "the worksheet itself is live" here.
    const api = await signedIn(stack.url, reviewer.user.email);
    expect((await api.post(`/api/evaluations/${panel.evaluation.id}/conflicts`, { reason: 'I advised the course team last year.' })).status).toBe(201);
    await page.getByTestId('worksheet-error').waitFor();
    expect(await page.getByTestId('worksheet-error').textContent()).toContain('You declared a conflict of interest on this evaluation');
    expect(await page.getByTestId('worksheet-refresh-error').count()).toBe(0);
    expect(await page.getByTestId('notes-editor').count()).toBe(0);
    await page.screenshot({ path: 'test-results/worksheet-conflict.png' });
    await page.context().close();
  });

  it('tells a panelist whose paste was too large that it is not saved, and reloads the saved worksheet on request', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const page = await openWorksheet(panel.reviewers[0]!.user.email, panel.evaluation.id);
    await notes(page).click();
    await page.keyboard.type('Saved before the paste.');
    await expect.poll(() => saveStatus(page)).toBe('saved');

    // One paste larger than the server takes in one update (256 KiB).
    await page.keyboard.insertText(` ${'pasted syllabus text '.repeat(14_000)}`);
    await expect.poll(() => saveStatus(page)).toBe('refused');
    expect(await page.getByTestId('save-status').textContent()).toContain('Not saved');
    const alert = page.getByTestId('worksheet-diverged');
    expect(await alert.textContent()).toContain('An edit was too large to save, so it is only on this screen.');
    // The editor scrolled to the end of the paste; the alert and the status stay in view.
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(1000);
    const viewport = page.viewportSize()!;
    for (const element of [alert, page.getByTestId('save-status')]) {
      const box = (await element.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
    }
    await page.screenshot({ path: 'test-results/worksheet-refused.png' });
    // Nothing written on this copy could be saved any more: it stops taking edits.
    expect(await notes(page).getAttribute('contenteditable')).toBe('false');

    await alert.getByRole('button', { name: 'Reload the saved worksheet' }).click();
    await expect.poll(() => saveStatus(page)).toBe('saved');
    expect(await page.getByTestId('worksheet-diverged').count()).toBe(0);
    expect(await notesText(page)).toBe('Saved before the paste.');
    expect(await notes(page).getAttribute('contenteditable')).toBe('true');
  });

  it('keeps a page whose user\'s role changed mid-edit, with what could not be saved on screen, and reloads it for the new role on request', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const reviewer = panel.reviewers[0]!.user;
    const page = await openWorksheet(reviewer.email, panel.evaluation.id);
    // Marks this page, so a reload shows (the mark is gone with it).
    const mark = () => page.evaluate(() => ((window as unknown as { beforeRoleChange: boolean }).beforeRoleChange = true));
    const marked = () => page.evaluate(() => (window as unknown as { beforeRoleChange?: boolean }).beforeRoleChange === true);
    await mark();
    const { db } = stack.database;
    await withStorageRefused(db, async () => {
      await notes(page).click();
      await page.keyboard.type('Typed as the role changed.');
      await expect.poll(() => saveStatus(page)).toBe('saving');
      // An administrator makes this reviewer an admin, who may read the worksheet but not edit it.
      await db.update(users).set({ role: 'admin' }).where(eq(users.id, reviewer.id));
      await page.getByTestId('role-changed').waitFor();
      // Connected again under the new role: the edit it had not heard back about cannot be sent, and
      // the page says so and keeps it on screen (no reload, several looks later).
      await page.getByTestId('worksheet-diverged').waitFor();
      expect(await page.getByTestId('worksheet-diverged').textContent()).toContain('You may no longer edit this worksheet');
      for (let look = 0; look < 4; look++) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await marked()).toBe(true);
      }
      expect(await notesText(page)).toBe('Typed as the role changed.');
      await page.screenshot({ path: 'test-results/worksheet-role-changed.png' });
    });
    // Reloaded on request: the worksheet as the new role sees it, read-only. (The edit reached the
    // server before the role changed, so it is stored once storage is back.)
    const reloaded = page.waitForEvent('load');
    await page.getByTestId('role-changed-reload').click();
    await reloaded;
    await notes(page).waitFor();
    expect(await marked()).toBe(false);
    expect(await page.getByTestId('role-changed').count()).toBe(0);
    expect(await page.getByTestId('user-menu').textContent()).toContain('admin');
    await expect.poll(() => notesText(page)).toBe('Typed as the role changed.');
    expect(await notes(page).getAttribute('contenteditable')).toBe('false');

    // Nothing unsaved: a role change reloads the page at once.
    await mark();
    const reloadedAgain = page.waitForEvent('load');
    await db.update(users).set({ role: 'reviewer' }).where(eq(users.id, reviewer.id));
    await reloadedAgain;
    await page.getByTestId('user-menu').waitFor();
    expect(await marked()).toBe(false);
    expect(await page.getByTestId('user-menu').textContent()).toContain('reviewer');

    // A comment being written holds the reload too; once nothing is left unsaved, the page reloads by itself.
    await page.getByTestId('comment-text').fill('A thought half written');
    await mark();
    await db.update(users).set({ role: 'admin' }).where(eq(users.id, reviewer.id));
    await page.getByTestId('role-changed').waitFor();
    // Read-only now: the comment cannot be posted, and stays on screen to copy; discarded, nothing is left to wait for.
    await page.getByTestId('comment-unposted').waitFor();
    expect(await page.getByTestId('comment-text').inputValue()).toBe('A thought half written');
    await page.getByTestId('comment-unposted').screenshot({ path: 'test-results/worksheet-comment-unposted.png' });
    expect(await marked()).toBe(true);
    const reloadedOnceDone = page.waitForEvent('load');
    await page.getByTestId('comment-discard').click();
    await reloadedOnceDone;
    await page.getByTestId('user-menu').waitFor();
    expect(await marked()).toBe(false);
    expect(await page.getByTestId('user-menu').textContent()).toContain('admin');
    await page.context().close();
  });
});
