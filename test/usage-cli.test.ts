import { describe, expect, it } from 'vitest';
import type { VerificationEvent } from '../src/analytics/events.js';
import { bucketStart } from '../src/analytics/schema.js';
import { launch } from './faults/nodes.js';
import { type EngineName, startTestServer } from './harness.js';

/**
 * `keyward usage` as a process (src/cli/usage.ts) over events written to the server's analytics store: the exact
 * table and chart for an API, the JSON points for an identity named by its externalId, and the refusals. The
 * command reads the real time, so the events are placed in today's and the previous days' UTC buckets; a run that
 * would start within 90 s of 00:00 UTC first waits for the new day, so the days cannot move under it.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Waits out the last 90 s of a UTC day: the test's days and the command's must be the same. */
async function awayFromMidnight(): Promise<void> {
  const untilMidnight = DAY - (Date.now() % DAY);
  if (untilMidnight < 90_000) await new Promise((resolve) => setTimeout(resolve, untilMidnight + 1_000));
}

async function usage(args: string[], databaseUrl: string) {
  const { output, exited } = launch(['usage', ...args], { KEYWARD_DATABASE_URL: databaseUrl });
  return { code: await exited, ...output };
}

const engines: EngineName[] = ['sqlite', 'postgres'];

for (const engine of engines) {
  describe(`keyward usage (${engine})`, { timeout: 240_000 }, () => {
    it('prints the table and chart, the JSON points, and refuses what is not in the workspace', async () => {
      await awayFromMidnight();
      const t = await startTestServer({ engine });
      try {
        const apiId = (await t.call('apis.createApi', { name: 'usage' })).body.data.apiId as string;
        const otherApiId = (await t.call('apis.createApi', { name: 'other' })).body.data.apiId as string;
        const identityId = (await t.call('identities.createIdentity', { externalId: 'user_1' })).body.data.identityId as string;
        const other = await t.newWorkspace();

        const today = bucketStart(Date.now(), 'day');
        let n = 0;
        const event = (time: number, fields: Partial<VerificationEvent>): VerificationEvent => ({
          time,
          requestId: `req_${n++}`,
          workspaceId: t.workspaceId,
          keySpaceId: apiId,
          keyId: 'key_a',
          identityId,
          externalId: 'user_1',
          outcome: 'VALID',
          tags: [],
          spentCredits: 0,
          latency: 2,
          region: 'node-a',
          ...fields,
        });
        await t.server.analytics.write({
          verifications: [
            event(today - 2 * DAY + HOUR, { spentCredits: 1 }),
            event(today - 2 * DAY + 2 * HOUR, { spentCredits: 1 }),
            event(today - 2 * DAY + 3 * HOUR, { outcome: 'RATE_LIMITED' }),
            // The identity's key in another API: in the identity's series, not in the API's.
            event(today - DAY, { keySpaceId: otherApiId, keyId: 'key_c' }),
            event(today, { spentCredits: 5 }),
            event(today, { outcome: 'USAGE_EXCEEDED' }),
            // Neither the API's nor the identity's; nor another workspace's.
            event(today, { keySpaceId: otherApiId, keyId: 'key_b', identityId: '', externalId: '' }),
            event(today, { workspaceId: other.workspaceId }),
          ],
          ratelimits: [],
        });

        const [tableRun, jsonRun, foreignApi, unknownKey] = await Promise.all([
          usage(['--workspace', t.workspaceId, '--api', apiId, '--since', '3d'], t.databaseUrl),
          usage(['--workspace', t.workspaceId, '--identity', 'user_1', '--since', '3d', '--interval', 'day', '--json'], t.databaseUrl),
          usage(['--workspace', other.workspaceId, '--api', apiId], t.databaseUrl),
          usage(['--workspace', t.workspaceId, '--key', 'key_a'], t.databaseUrl),
        ]);

        const iso = (time: number) => new Date(time).toISOString();
        const widths = [5, 5, 14, 12, 13];
        const row = (first: string, ...cells: (string | number)[]) =>
          [first.padEnd(24), ...cells.map((cell, i) => String(cell).padStart(widths[i]!))].join('  ');
        expect(tableRun.code, tableRun.stderr).toBe(0);
        expect(tableRun.stdout).toBe(
          [
            row('bucket start (UTC)', 'total', 'valid', 'usage exceeded', 'rate limited', 'credits spent'),
            row(iso(today - 3 * DAY), 0, 0, 0, 0, 0),
            row(iso(today - 2 * DAY), 3, 2, 0, 1, 2),
            row(iso(today - DAY), 0, 0, 0, 0, 0),
            row(iso(today), 2, 1, 1, 0, 5),
            '',
            `${iso(today - 3 * DAY)} 0`,
            `${iso(today - 2 * DAY)} 3 ${'█'.repeat(60)}`,
            `${iso(today - DAY)} 0`,
            `${iso(today)} 2 ${'█'.repeat(40)}`,
            '',
          ].join('\n'),
        );

        expect(jsonRun.code, jsonRun.stderr).toBe(0);
        const zero = {
          total: 0,
          valid: 0,
          notFound: 0,
          forbidden: 0,
          insufficientPermissions: 0,
          usageExceeded: 0,
          rateLimited: 0,
          disabled: 0,
          expired: 0,
          spentCredits: 0,
          latencyAvg: 0,
        };
        expect(
          jsonRun.stdout
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line)),
        ).toEqual([
          { time: today - 3 * DAY, ...zero },
          { time: today - 2 * DAY, ...zero, total: 3, valid: 2, rateLimited: 1, spentCredits: 2, latencyAvg: 2 },
          { time: today - DAY, ...zero, total: 1, valid: 1, latencyAvg: 2 },
          { time: today, ...zero, total: 2, valid: 1, usageExceeded: 1, spentCredits: 5, latencyAvg: 2 },
        ]);

        // As the chart endpoint refuses it (services/analytics-charts.ts): a range the rollup no longer holds would
        // print zeros that look like no use. By default the day rollup keeps 730 days and the month rollup forever.
        const beyond = await usage(['--workspace', t.workspaceId, '--api', apiId, '--since', '731d', '--interval', 'day'], t.databaseUrl);
        expect(beyond.code).toBe(2);
        expect(beyond.stderr).toMatch(
          /^keyward: --since 731d starts before what the day rollup keeps \(730 days, KEYWARD_ANALYTICS_DAY_RETENTION_DAYS\)/,
        );
        const monthly = await usage(
          ['--workspace', t.workspaceId, '--api', apiId, '--since', '731d', '--interval', 'month'],
          t.databaseUrl,
        );
        expect(monthly.code, monthly.stderr).toBe(0);
        const hourly = await launch(['usage', '--workspace', t.workspaceId, '--api', apiId, '--since', '3d', '--interval', 'hour'], {
          KEYWARD_DATABASE_URL: t.databaseUrl,
          KEYWARD_ANALYTICS_HOUR_RETENTION_DAYS: '2',
        });
        expect(await hourly.exited).toBe(2);
        expect(hourly.output.stderr).toMatch(
          /^keyward: --since 3d starts before what the hour rollup keeps \(2 days, KEYWARD_ANALYTICS_HOUR_RETENTION_DAYS\)/,
        );

        expect(foreignApi.code).toBe(1);
        expect(foreignApi.stderr).toBe(`keyward: no API "${apiId}" in workspace "${other.workspaceId}"\n`);
        expect(foreignApi.stdout).toBe('');
        expect(unknownKey.code).toBe(1);
        expect(unknownKey.stderr).toBe(`keyward: no key "key_a" in workspace "${t.workspaceId}"\n`);
      } finally {
        await t.close();
      }
    });
  });
}
