import { defineConfig } from 'vitest/config';

/**
 * Files that freeze, kill or time processes of their own (PostgreSQL and Redis for fault tests, Keyward nodes behind
 * a balancer) or that time a lock or a timer: they run one at a time, after the rest, so a second test file
 * competing for the 2 cores cannot make an outage or a wait last longer than the test expects. Everything else
 * (the CLI tests and the bench smoke included: they start processes and load but time nothing) runs two files at a time, which keeps the whole
 * suite within its time budget (README, "Tests").
 */
const ONE_AT_A_TIME = [
  'test/faults/**/*.test.ts',
  'test/three-nodes.test.ts',
  'test/cluster.test.ts',
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
          // Files share their worker's module graph instead of importing the server's afresh each (about 1.2 s of CPU
          // a file, a quarter of the suite). So a file that changes process-wide state (the Redis clients' settings,
          // src/redis/client.ts; process.env) sets what it relies on itself rather than trusting defaults, and puts
          // back what it changed.
          isolate: false,
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
