import { mkdirSync } from 'node:fs';
import { hasRedisServer } from '../../server/infra/redisServer.ts';

/** Fails fast, with the fix, when a real part the tests need is missing. */
export default function setup(): void {
  if (!hasRedisServer()) {
    throw new Error('redis-server is not installed: run `npm test` (it installs it as root) or `apt-get install -y redis-server`.');
  }
  mkdirSync('test-results', { recursive: true });
}
