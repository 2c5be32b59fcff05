import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type EngineName, type TestServer } from './harness.js';
import { newApi, newKey } from './key-fixtures.js';
import { until } from './poll.js';

/**
 * The background jobs' timer, which every other test server leaves off: with it on, credits are refilled without
 * anyone calling `runJobs`. Only setInterval is faked (sockets, database drivers and polling keep real time), so the
 * test moves the timer by its 30 s period at once and then polls, with a deadline, for the job's effect.
 */

const PERIOD_MS = 30_000;

for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`background jobs on a timer (${engine})`, () => {
    let t: TestServer;

    beforeAll(async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      t = await startTestServer({ engine, backgroundJobs: true });
    });
    afterAll(async () => {
      await t?.close();
      vi.useRealTimers();
    });

    const remaining = async (keyId: string) => (await t.call('keys.getKey', { keyId })).body.data.credits.remaining as number;

    it('refills credits when the timer fires, with nobody calling runJobs', async () => {
      t.clock.set(Date.parse('2026-03-10T12:00:00Z'));
      const { keyId, key } = await newKey(t, {
        apiId: await newApi(t),
        credits: { remaining: 3, refill: { interval: 'daily', amount: 10 } },
      });
      expect((await t.call('keys.verifyKey', { key, credits: { cost: 2 } })).body.data.credits).toBe(1);

      t.clock.set(Date.parse('2026-03-11T00:00:01Z'));
      // The refill is due, but nothing runs it until the timer fires.
      vi.advanceTimersByTime(PERIOD_MS - 1);
      expect(await remaining(keyId)).toBe(1);

      vi.advanceTimersByTime(1);
      await until(async () => (await remaining(keyId)) === 10, 'the timer refilled the key to 10');
    });
  });
}
