import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker per core but one: a single worker on a 2-core machine, where most test time is
    // spent waiting on child processes, sockets and databases. Two keep both cores busy; every test uses its own
    // ports, files and database schema, so files never share state.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
