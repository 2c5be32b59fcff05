import { defineConfig } from 'vitest/config';

/**
 * Files that freeze, kill or time processes of their own (PostgreSQL and Redis for fault tests, Keyward nodes behind
 * a balancer, wrk) or that time a lock or a timer: they run one at a time, after the rest, so a second test file
 * competing for the 2 cores cannot make an outage or a wait last longer than the test expects. Everything else
 * (the CLI tests included: they start processes but time nothing) runs two files at a time, which keeps the whole
 * suite within its time budget (README, "Tests").
 */
const ONE_AT_A_TIME = [
  'test/faults/**/*.test.ts',
  'test/three-nodes.test.ts',
  'test/cluster.test.ts',
  'test/bench-quick.test.ts',
  'test/sqlite-busy.test.ts',
  'test/background-jobs.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: ONE_AT_A_TIME,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'one-at-a-time',
          include: ONE_AT_A_TIME,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
