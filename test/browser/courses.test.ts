import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInPage } from '../support/browser.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { DEMO_PASSWORD } from '../../server/seed/demoData.ts';

let stack: TestStack;
let browser: Browser;
let coordinator: Page;

const sampleCsv = readFileSync(new URL('../../docs/intake/courses-sample.csv', import.meta.url), 'utf8');

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ pages: true, seed: true }), launchChromium()]);
  coordinator = await signInPage(browser, stack.url, 'coordinator@quorum.test', DEMO_PASSWORD);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('course intake in Chromium', () => {
  it('creates a course with repeatable rows, checking weights, then edits it', async () => {
    await coordinator.getByRole('link', { name: 'Courses' }).click();
    await coordinator.getByTestId('course-row').first().waitFor();
    expect(await coordinator.getByTestId('course-row').count()).toBe(3);
    await coordinator.getByTestId('new-course').click();

    const form = coordinator.getByTestId('course-form');
    await form.getByTestId('course-title').fill('Bioelectricity: A Quantitative Approach');
    await form.getByTestId('course-provider').selectOption({ label: 'Coursera' });
    await form.getByTestId('course-code').fill('bioelectricity-duke');
    await form.getByTestId('course-version').fill('2013.1');
    await form.getByTestId('course-subject').fill('Biomedical Engineering');
    await form.getByTestId('course-partner').fill('Duke University');
    await form.getByTestId('course-partner-domain').fill('duke.edu');
    await form.getByTestId('course-hours').fill('42');
    await form.getByTestId('course-description').fill('How cells make and use electrical signals, modelled quantitatively.');
    const syllabus = form.getByTestId('syllabus-row');
    await syllabus.nth(0).getByLabel('Title', { exact: true }).fill('Membranes and potentials');
    await syllabus.nth(0).getByLabel('Topics (comma-separated)').fill('Nernst equation, Goldman equation');
    await form.getByTestId('syllabus-add').click();
    await syllabus.nth(1).getByLabel('Title', { exact: true }).fill('Action potentials');
    await form.getByTestId('outcomes-row').nth(0).getByLabel('Outcome', { exact: true }).fill('Compute resting potentials from ion concentrations.');
    const assessments = form.getByTestId('assessments-row');
    await assessments.nth(0).getByLabel('Type', { exact: true }).fill('problem sets');
    await assessments.nth(0).getByLabel('Weight %').fill('40');
    await assessments.nth(0).getByLabel('What it measures').fill('quantitative modelling');
    await form.getByTestId('assessments-add').click();
    await assessments.nth(1).getByLabel('Type', { exact: true }).fill('proctored final exam');
    await assessments.nth(1).getByLabel('Weight %').fill('50');
    await assessments.nth(1).getByLabel('What it measures').fill('all outcomes');
    expect(await form.getByTestId('assessment-total').textContent()).toBe('Total 90 % (must be 100 %)');

    await form.getByTestId('save-course').click();
    expect(await form.getByTestId('course-form-error').textContent()).toContain('Assessment weights must add up to 100 %.');
    await coordinator.screenshot({ path: 'test-results/course-form-errors.png', fullPage: true });
    await assessments.nth(1).getByLabel('Weight %').fill('60');
    await form.getByTestId('save-course').click();

    await coordinator.getByTestId('course-heading').waitFor();
    expect(await coordinator.getByTestId('course-heading').textContent()).toBe('Bioelectricity: A Quantitative Approach');
    const edit = coordinator.getByTestId('course-form');
    expect(await edit.getByTestId('syllabus-row').count()).toBe(2);
    await edit.getByTestId('course-hours').fill('45');
    await edit.getByTestId('save-course').click();
    await coordinator.getByTestId('course-notice').waitFor();
    expect(await coordinator.getByTestId('course-form').getByTestId('course-hours').inputValue()).toBe('45');
    await coordinator.screenshot({ path: 'test-results/course-edit.png', fullPage: true });
  });

  it('imports a CSV batch: a bad file lists problems by line and imports nothing; the sample imports whole', async () => {
    await coordinator.goto('/courses/import');
    await coordinator.getByTestId('import-provider').selectOption({ label: 'Coursera' });
    const [header, ...rows] = sampleCsv.trim().split('\n');
    const broken = [header, rows[0]!.replace('bioelectricity-duke', 'bioelectricity-duke-v2'), rows[1]!.replace(',48,', ',forty-eight,')].join('\n');
    await coordinator.getByTestId('import-content').fill(broken);
    await coordinator.getByTestId('run-import').click();
    await coordinator.getByTestId('import-problems').waitFor();
    expect(await coordinator.getByTestId('import-error').textContent()).toContain('nothing was imported');
    const problem = coordinator.getByTestId('import-problem');
    expect(await problem.count()).toBe(1);
    expect(await problem.first().getAttribute('data-line')).toBe('3');
    expect(await problem.first().textContent()).toContain('contact_hours');
    await coordinator.screenshot({ path: 'test-results/course-import-errors.png', fullPage: true });

    await coordinator.getByTestId('import-file').setInputFiles({ name: 'courses.csv', mimeType: 'text/csv', buffer: Buffer.from(sampleCsv.replace('bioelectricity-duke,', 'bioelectricity-duke-v2,')) });
    await expect.poll(() => coordinator.getByTestId('import-content').inputValue()).toContain('statistics-one-princeton');
    await coordinator.getByTestId('run-import').click();
    await coordinator.getByTestId('import-success').waitFor();
    expect(await coordinator.getByTestId('import-success').textContent()).toContain('Imported 2 courses');
    await coordinator.screenshot({ path: 'test-results/course-import-done.png', fullPage: true });
    await coordinator.goto('/courses');
    await coordinator.getByTestId('course-row').first().waitFor();
    expect(await coordinator.getByTestId('course-row').count()).toBe(6);
  });
});
