import { expect, it } from 'vitest';
import { useTestServer } from './per-file-server.js';
import { querySql, runSql } from './raw-sql.js';
import { newRootKey } from './root-key-fixtures.js';

/**
 * The periodic jobs' pruning (src/storage/pruning.ts), on the fake clock, read back from the raw tables: `ratelimit_alerts`
 * rows whose cool-down has passed go (docs/decisions/0027), rerolled root keys whose grace period has ended are ended like
 * a revocation (docs/decisions/0020), and nothing else changes. On either engine (KEYWARD_TEST_ENGINE).
 */
const COOLDOWN_MS = 600_000;
const t = useTestServer({ env: { KEYWARD_ALERT_RATELIMIT_COOLDOWN_SECONDS: String(COOLDOWN_MS / 1000) } });

const alertRows = async () =>
  (await querySql(t.databaseUrl, 'SELECT identifier, last_fired_at FROM ratelimit_alerts ORDER BY identifier')).map((r) => ({
    identifier: r.identifier,
    lastFiredAt: Number(r.last_fired_at),
  }));

const rootKeyRows = async () =>
  (await querySql(t.databaseUrl, 'SELECT id, deleted_at, retires_at FROM root_keys ORDER BY id')).map((r) => ({
    id: r.id as string,
    deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
    retiresAt: r.retires_at === null ? null : Number(r.retires_at),
  }));

it('deletes the rate-limit alerts whose cool-down has passed, to the millisecond, and keeps the others', async () => {
  const now = t.clock.now();
  const firedAt = {
    'long-ago': now - COOLDOWN_MS - 1,
    'cool-down-just-over': now - COOLDOWN_MS,
    'cool-down-1ms-left': now - COOLDOWN_MS + 1,
    'just-now': now,
  };
  for (const [identifier, at] of Object.entries(firedAt)) {
    await runSql(t.databaseUrl, 'INSERT INTO ratelimit_alerts (workspace_id, subject_id, identifier, last_fired_at) VALUES (?, ?, ?, ?)', [
      t.workspaceId,
      'rlns_pruned',
      identifier,
      at,
    ]);
  }
  await t.server.runJobs();
  // A row fired exactly a cool-down ago would let the next claim fire (last_fired_at <= now - cool-down): it goes.
  expect(await alertRows()).toEqual([
    { identifier: 'cool-down-1ms-left', lastFiredAt: firedAt['cool-down-1ms-left'] },
    { identifier: 'just-now', lastFiredAt: firedAt['just-now'] },
  ]);
  t.clock.advance(1);
  await t.server.runJobs();
  expect(await alertRows()).toEqual([{ identifier: 'just-now', lastFiredAt: firedAt['just-now'] }]);
  await runSql(t.databaseUrl, 'DELETE FROM ratelimit_alerts');
});

it('ends the rerolled root keys whose grace period is over at its end, and changes no other root key', async () => {
  const reroll = async (rootKeyId: string, expiration: number) =>
    (await t.call('rootKeys.rerollRootKey', { rootKeyId, expiration })).body.data as { rootKeyId: string; oldKeyRetiresAt: number };
  const first = await newRootKey(t, ['api.*.read_api'], { name: 'first' });
  const second = await newRootKey(t, ['api.*.read_api'], { name: 'second' });
  const revoked = await newRootKey(t, ['api.*.read_api'], { name: 'revoked' });
  const rerolledFirst = await reroll(first.rootKeyId, 60_000);
  const rerolledSecond = await reroll(second.rootKeyId, 120_000);
  t.clock.advance(10);
  expect((await t.call('rootKeys.revokeRootKey', { rootKeyId: revoked.rootKeyId })).status).toBe(200);
  const before = await rootKeyRows();
  expect(before.filter((r) => r.retiresAt !== null).map((r) => r.id)).toEqual([first.rootKeyId, second.rootKeyId].sort());

  // A millisecond before the first one's end: nothing yet.
  t.clock.set(rerolledFirst.oldKeyRetiresAt - 1);
  await t.server.runJobs();
  expect(await rootKeyRows()).toEqual(before);

  // At its end (from then on it answers like an unknown key): ended, at that instant; the other still in its grace.
  t.clock.set(rerolledFirst.oldKeyRetiresAt);
  await t.server.runJobs();
  const ended = before.map((r) => (r.id === first.rootKeyId ? { ...r, deletedAt: rerolledFirst.oldKeyRetiresAt } : r));
  expect(await rootKeyRows()).toEqual(ended);
  const failed = await t.call('rootKeys.listRootKeys', {}, { rootKey: first.key });
  expect(failed.status).toBe(401);

  t.clock.set(rerolledSecond.oldKeyRetiresAt + 5_000);
  await t.server.runJobs();
  expect(await rootKeyRows()).toEqual(
    ended.map((r) => (r.id === second.rootKeyId ? { ...r, deletedAt: rerolledSecond.oldKeyRetiresAt } : r)),
  );
  // The successors, the revoked key and the bootstrap key kept what they had.
  const untouched = (await rootKeyRows()).filter((r) => r.id !== first.rootKeyId && r.id !== second.rootKeyId);
  expect(untouched).toEqual(before.filter((r) => r.id !== first.rootKeyId && r.id !== second.rootKeyId));
  expect(untouched.map((r) => r.id)).toEqual(
    expect.arrayContaining([rerolledFirst.rootKeyId, rerolledSecond.rootKeyId, revoked.rootKeyId]),
  );
});

it.runIf((process.env.KEYWARD_TEST_ENGINE ?? 'sqlite') === 'postgres')(
  'on PostgreSQL a pruning finding another transaction holding its lock does nothing',
  async () => {
    const now = t.clock.now();
    await runSql(t.databaseUrl, 'INSERT INTO ratelimit_alerts (workspace_id, subject_id, identifier, last_fired_at) VALUES (?, ?, ?, ?)', [
      t.workspaceId,
      'rlns_locked',
      'old',
      now - 2 * COOLDOWN_MS,
    ]);
    const skipped = await t.server.store.transaction(async (tx) => {
      // The lock is this transaction's until it ends (this pruning deletes nothing: nothing was fired before 0).
      expect(await tx.pruneRatelimitAlerts(0)).toBe(0);
      return t.server.store.pruneRatelimitAlerts(now - COOLDOWN_MS);
    });
    expect(skipped).toBe(0);
    expect((await alertRows()).map((r) => r.identifier)).toEqual(['old']);
    expect(await t.server.store.pruneRatelimitAlerts(now - COOLDOWN_MS)).toBe(1);
  },
);
