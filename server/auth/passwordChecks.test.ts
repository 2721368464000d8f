import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { buildUser } from '../../test/support/factories.ts';
import { ApiClient } from '../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';
import { createPasswordChecks } from './passwordChecks.ts';

/** A check that finishes when the test says so. */
function heldCheck() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { check: () => done.then(() => 'checked'), finish };
}

describe('password checks: a bounded number run and wait', () => {
  it('runs `concurrency` checks at once, lets `maxWaiting` wait, refuses the next at once with unavailable and a retry time, and takes new ones as others finish', async () => {
    let saturated = 0;
    const checks = createPasswordChecks({ concurrency: 2, maxWaiting: 1, onSaturated: () => (saturated += 1) });
    const held = [heldCheck(), heldCheck(), heldCheck()];
    const admitted = held.map(({ check }) => checks.run(check));
    expect(checks.load).toEqual({ running: 2, waiting: 1 });

    const refused = await checks.run(async () => 'never run').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'unavailable', status: 503, details: { retryAfterSeconds: 1 } });
    expect(saturated).toBe(1);

    held[0]!.finish();
    await expect(admitted[0]).resolves.toBe('checked');
    // The waiting one runs now; there is room for one more to wait.
    expect(checks.load).toEqual({ running: 2, waiting: 0 });
    const later = heldCheck();
    const laterResult = checks.run(later.check);
    held[1]!.finish();
    held[2]!.finish();
    later.finish();
    await expect(Promise.all([admitted[1], admitted[2], laterResult])).resolves.toEqual(['checked', 'checked', 'checked']);
    expect(checks.load).toEqual({ running: 0, waiting: 0 });
  });
});

describe('sign-in under a flood of password checks', () => {
  let stack: TestStack;
  const warnings: string[] = [];
  beforeAll(async () => {
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    stack = await startTestStack({ env: { LOGIN_CONCURRENT_CHECKS: '1', LOGIN_WAITING_CHECKS: '0', LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '30' }, logger });
  });
  afterAll(() => stack.close());

  it('refuses sign-ins beyond the checks it runs with 503 unavailable and Retry-After, before counting them as attempts', async () => {
    const user = await buildUser(stack.database.db, { role: 'reviewer' });
    // Forty sign-ins at once from one address, each for another account (one password tried on many).
    const answers = await Promise.all(Array.from({ length: 40 }, (_, index) => new ApiClient(stack.url).login(`nobody-${index}@example.org`, 'a guess')));
    const busy = answers.filter((answer) => answer.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    for (const answer of busy) {
      expect(answer.body).toMatchObject({ error: { code: 'unavailable', details: { retryAfterSeconds: 1 } } });
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    // Every other one was checked and refused as a wrong password.
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(40 - busy.length);
    // Only those checked count against the address's 30 attempts: had all 40 counted, this would be 429.
    expect((await new ApiClient(stack.url).login(user.email)).status).toBe(200);
    // One warning, not one per refused sign-in.
    expect(warnings.filter((line) => line.includes('sign-ins refused'))).toHaveLength(1);
  });
});
