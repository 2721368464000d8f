import { mkdirSync } from 'node:fs';
import { bundle } from '../../scripts/bundle.ts';
import { hasRedisServer } from '../../server/infra/redisServer.ts';

/**
 * Fails fast, with the fix, when a real part the tests need is missing; bundles the server and
 * worker from the current sources (tests that run them as processes run what `npm start` runs).
 */
export default async function setup(): Promise<void> {
  if (!hasRedisServer()) {
    throw new Error('redis-server is not installed: run `npm test` (it installs it as root) or `apt-get install -y redis-server`.');
  }
  mkdirSync('test-results', { recursive: true });
  await bundle();
}
