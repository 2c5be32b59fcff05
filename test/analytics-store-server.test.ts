import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type EngineName, startTestServer } from './harness.js';

/**
 * The server opens the analytics store on its own engine, prunes it with the retention settings at the clock's time
 * (src/analytics/prune-job.ts), and closes it. The stores themselves: src/analytics/store.suite.ts.
 */

const DAY = 86_400_000;

for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`analytics store in the server (${engine})`, () => {
    it('prunes with KEYWARD_ANALYTICS_*_RETENTION_DAYS at the clock time', async () => {
      const t = await startTestServer({
        engine,
        env: {
          KEYWARD_ANALYTICS_RETENTION_DAYS: '2',
          KEYWARD_ANALYTICS_MINUTE_RETENTION_DAYS: '0',
          KEYWARD_ANALYTICS_DAY_RETENTION_DAYS: '5',
        },
      });
      try {
        if (engine === 'sqlite') expect(statSync(`${t.databaseUrl}.analytics`).mode & 0o777).toBe(0o600);
        const now = t.clock.now();
        const event = (age: number, requestId: string) => ({
          time: now - age,
          requestId,
          workspaceId: t.workspaceId,
          namespaceId: 'ns',
          identifier: 'i',
          passed: true,
          latency: 1,
          overrideId: '',
          region: 'n',
        });
        await t.server.analytics.write({
          verifications: [],
          ratelimits: [event(DAY, 'recent'), event(3 * DAY, 'old'), event(10 * DAY, 'older')],
        });
        const result = await t.server.pruneAnalytics();
        expect(result.skipped).toBe(false);
        // Raw: 2 days; minute: forever; hour: 90 days (default); day: 5 days; month: forever (default).
        expect(result.deleted).toEqual({
          analytics_verifications: 0,
          analytics_ratelimits: 2,
          analytics_verifications_per_hour: 0,
          analytics_verifications_per_day: 0,
          analytics_ratelimits_per_hour: 0,
          analytics_ratelimits_per_day: 1,
        });
        const rows = await t.server.analytics.query(
          { sql: 'SELECT request_id FROM analytics_ratelimits', parameters: [] },
          { timeoutMs: 5_000, maxRows: 10 },
        );
        expect(rows).toEqual([{ request_id: 'recent' }]);
      } finally {
        await t.close();
      }
    });
  });
}
