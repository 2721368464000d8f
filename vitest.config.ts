import { defineConfig } from 'vitest/config';

// Integration tests start real redis-server, PGlite, Socket.IO and Chromium; two cores, so two forks.
export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'server/**/*.test.ts', 'workers/**/*.test.ts', 'test/**/*.test.ts', 'app/lib/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Bounds how long expect.poll waits for a page or a process to catch up (not a speed assertion).
    expect: { poll: { timeout: 15_000 } },
    globalSetup: ['test/support/globalSetup.ts'],
    reporters: ['default'],
  },
});
