import { describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../storage/store.js';
import { counterKey, prepare } from './prepared-key.js';

const key = (overrides: Partial<KeyRecord> = {}): KeyRecord => ({
  id: 'key_1',
  workspaceId: 'ws_1',
  apiId: 'api_1',
  hash: 'hash',
  start: 'kw_abcd',
  prefix: 'kw',
  name: null,
  meta: null,
  enabled: true,
  expires: null,
  remaining: null,
  refill: null,
  lastRefillAt: null,
  createdAt: 0,
  updatedAt: null,
  lastUsedAt: null,
  identity: null,
  permissions: [],
  roles: [],
  rolePermissions: [],
  ratelimits: [],
  apiIpWhitelist: null,
  oneTime: false,
  consumedAt: null,
  slidingExpiration: null,
  creditsBase: null,
  ...overrides,
});

describe('prepare (what verification derives once per cached key)', () => {
  it('gives keys without limits or permissions the same empty limits, grants and checks, so a cached key holds none of its own', () => {
    const a = prepare(key({ id: 'key_a' }));
    const b = prepare(key({ id: 'key_b', identity: { id: 'id_1', externalId: 'user', meta: null, ratelimits: [] } }));
    expect(a.limits.size).toBe(0);
    expect(a.granted.size).toBe(0);
    expect(a.autoApply).toHaveLength(0);
    expect(a.autoChecks).toHaveLength(0);
    expect(b.limits).toBe(a.limits);
    expect(b.granted).toBe(a.granted);
    expect(b.autoApply).toBe(a.autoApply);
    expect(b.autoChecks).toBe(a.autoChecks);
    expect(a.fields).toEqual({ keyId: 'key_a', enabled: true });
    expect(b.fields).not.toBe(a.fields);
  });

  it("builds a key's own limits and grants, its limit replacing its identity's of the same name, and leaves the shared empties empty", () => {
    const limited = prepare(
      key({
        identity: {
          id: 'id_1',
          externalId: 'user',
          meta: null,
          ratelimits: [
            { id: 'rl_identity_requests', name: 'requests', limit: 10, duration: 1000, autoApply: true },
            { id: 'rl_identity_tokens', name: 'tokens', limit: 500, duration: 60_000, autoApply: false },
          ],
        },
        ratelimits: [{ id: 'rl_key_requests', name: 'requests', limit: 3, duration: 1000, autoApply: true }],
        permissions: ['documents.read'],
        roles: ['editor'],
        rolePermissions: ['documents.write'],
      }),
    );
    expect([...limited.limits.keys()]).toEqual(['requests', 'tokens']);
    expect(limited.limits.get('requests')).toEqual({
      id: 'rl_key_requests',
      name: 'requests',
      limit: 3,
      duration: 1000,
      autoApply: true,
      counter: counterKey('ws_1', 'requests', 'key_1'),
    });
    expect(limited.limits.get('tokens')?.counter).toBe(counterKey('ws_1', 'tokens', 'id_1'));
    expect(limited.autoApply.map((l) => l.id)).toEqual(['rl_key_requests']);
    expect(limited.autoChecks).toEqual([{ key: counterKey('ws_1', 'requests', 'key_1'), limit: 3, duration: 1000, cost: 1 }]);
    expect([...limited.granted].sort()).toEqual(['documents.read', 'documents.write']);

    const plain = prepare(key());
    expect(plain.limits).not.toBe(limited.limits);
    expect(plain.granted).not.toBe(limited.granted);
    expect(plain.limits.size).toBe(0);
    expect(plain.granted.size).toBe(0);
    expect(plain.autoApply).toHaveLength(0);
  });
});
