import { beforeAll, describe, expect, it } from 'vitest';
import { getKey, newApi, newKey } from '../../../../test/key-fixtures.js';
import { newMigration } from '../../../../test/migration-fixtures.js';
import { useTestServer } from '../../../../test/per-file-server.js';

/** Issue 13, item 5: input upstream (Unkey v2) accepts, which Keyward refused with a 400. */
const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

describe('input upstream accepts', () => {
  it('keys.verifyKey: an ad-hoc limit below 1000 ms, and of 0 ms, is accepted as upstream (minimum 0) and counted', async () => {
    const { key } = await newKey(t, { apiId });
    for (const duration of [1, 500, 0]) {
      const res = await t.call('keys.verifyKey', { key, ratelimits: [{ name: `short${duration}`, limit: 1, duration }] });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ valid: true, code: 'VALID' });
      const [limit] = res.body.data.ratelimits;
      expect(limit).toMatchObject({ name: `short${duration}`, limit: 1, exceeded: false, remaining: 0 });
      expect(Number.isFinite(limit.reset)).toBe(true);
    }
    // A 60 s ad-hoc limit of 1 refuses the second call: durations are still honoured.
    const body = { key, ratelimits: [{ name: 'minute', limit: 1, duration: 60_000 }] };
    expect((await t.call('keys.verifyKey', body)).body.data.code).toBe('VALID');
    expect((await t.call('keys.verifyKey', body)).body.data.code).toBe('RATE_LIMITED');
  });

  it('keys.verifyKey: more than 50 ratelimits are accepted as upstream (Keyward bounds them at 100)', async () => {
    const { key } = await newKey(t, { apiId });
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `many${i}`, limit: 10, duration: 60_000 }));
    const res = await t.call('keys.verifyKey', { key, ratelimits: entries(100) });
    expect(res.status).toBe(200);
    expect(res.body.data.ratelimits).toHaveLength(100);
    expect((await t.call('keys.verifyKey', { key, ratelimits: entries(101) })).status).toBe(400);
  });

  it('keys.verifyKey: migrationId "" is accepted as upstream and means no migration', async () => {
    const { key } = await newKey(t, { apiId });
    const res = await t.call('keys.verifyKey', { key, migrationId: '' });
    expect(res.status).toBe(200);
    expect(res.body.data.code).toBe('VALID');
    const unknown = await t.call('keys.verifyKey', { key: 'sk_unknown_0000000000000000', migrationId: '' });
    expect(unknown.status).toBe(200);
    expect(unknown.body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('keys.updateKey: ratelimits round-tripped from keys.getKey (with their `id`) are accepted as upstream, the id ignored', async () => {
    const { keyId } = await newKey(t, { apiId, ratelimits: [{ name: 'calls', limit: 5, duration: 60_000, autoApply: true }] });
    const before = (await getKey(t, keyId)).ratelimits;
    expect(before[0].id).toMatch(/^rl_|^ratelimit_|_/);
    const changed = before.map((r: Record<string, unknown>) => ({ ...r, limit: 7, extra: 'ignored' }));
    const res = await t.call('keys.updateKey', { keyId, ratelimits: changed });
    expect(res.status).toBe(200);
    const after = (await getKey(t, keyId)).ratelimits;
    expect(after).toEqual([{ id: before[0].id, name: 'calls', limit: 7, duration: 60_000, autoApply: true }]);
  });

  it('identities.createIdentity and keys.rerollKey ignore unknown top-level fields as upstream does', async () => {
    const created = await t.call('identities.createIdentity', {
      externalId: 'extra_fields_user',
      unknownField: 1,
      ratelimits: [{ id: 'rl_x', name: 'calls', limit: 3, duration: 1000 }],
    });
    expect(created.status).toBe(200);
    const identity = await t.call('identities.getIdentity', { identity: 'extra_fields_user' });
    expect(identity.body.data).not.toHaveProperty('unknownField');
    expect(identity.body.data.ratelimits[0].id).not.toBe('rl_x');
    const { keyId } = await newKey(t, { apiId });
    const rerolled = await t.call('keys.rerollKey', { keyId, expiration: 0, somethingElse: true });
    expect(rerolled.status).toBe(200);
    expect(rerolled.body.data.keyId).toMatch(/^key_/);
  });

  it('unknown fields stay a 400 everywhere else (keys.createKey, keys.verifyKey)', async () => {
    expect((await t.call('keys.createKey', { apiId, unknownField: 1 })).status).toBe(400);
    const { key } = await newKey(t, { apiId });
    expect((await t.call('keys.verifyKey', { key, unknownField: 1 })).status).toBe(400);
    expect((await t.call('keys.verifyKey', { key, ratelimits: [{ name: 'abc', extra: 1 }] })).status).toBe(400);
  });

  it('externalId takes values such as `auth0|123` and e-mail addresses, as upstream, in keys.migrateKeys, keys.createKey and identities', async () => {
    const migrationId = await newMigration(t, 'sha256_hex');
    const migrated = await t.call('keys.migrateKeys', {
      migrationId,
      apiId,
      keys: [{ hash: 'a'.repeat(64), externalId: 'auth0|123' }],
    });
    expect(migrated.status).toBe(200);
    expect(migrated.body.data.migrated).toHaveLength(1);
    const { keyId } = await newKey(t, { apiId, externalId: 'jane+keys@example.com' });
    expect((await getKey(t, keyId)).identity.externalId).toBe('jane+keys@example.com');
    expect((await t.call('identities.createIdentity', { externalId: 'google-oauth2|42' })).status).toBe(200);
    expect((await t.call('identities.getIdentity', { identity: 'auth0|123' })).body.data.externalId).toBe('auth0|123');
    // Control characters stay refused: externalIds are written to logs and audit names.
    expect((await t.call('identities.createIdentity', { externalId: 'line\nbreak' })).status).toBe(400);
  });
});
