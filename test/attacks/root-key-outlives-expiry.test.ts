import { describe, expect, it } from 'vitest';
import { auditCount } from '../key-fixtures.js';
import { useTestServer } from '../per-file-server.js';
import { INSUFFICIENT, newRootKey } from '../root-key-fixtures.js';

// Issue 11, finding 2: createRootKey refused a child that outlives an expiring creator, but updateRootKey copied the
// expiring key's permissions onto a non-expiring root key whose secret its holder knew, so the authority survived
// the expiry. Now both answer 403 (docs/decisions/0009-root-keys-without-escalation.md).

const t = useTestServer();

const update = (body: unknown, rootKey = t.rootKey) => t.call('rootKeys.updateRootKey', body, { rootKey });
const UPDATE = 'rootkey.*.update_root_key';

describe('an expiring root key tries to outlive its expiry through rootKeys.updateRootKey', () => {
  it('an expiring root key cannot give its permissions to one that outlives it; nothing changed, nothing audited', async () => {
    const expires = t.clock.now() + 60_000;
    const { key: granter } = await newRootKey(t, [UPDATE, 'api.*.read_api'], { expires });
    const forever = await newRootKey(t, [], { name: 'forever' });
    const later = await newRootKey(t, [], { name: 'later', expires: expires + 1 });
    const records = await auditCount(t);
    for (const target of [forever, later]) {
      const res = await update({ rootKeyId: target.rootKeyId, permissions: ['api.*.read_api'] }, granter);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
      expect(res.body.error.detail).toContain('expires');
      // Still without the permission: the secret its holder knows gained nothing.
      expect((await t.call('apis.getApi', { apiId: 'api_none' }, { rootKey: target.key })).status).toBe(403);
    }
    expect(await auditCount(t)).toBe(records);
    // Within its lifetime the same grant is allowed, and a rename alone grants nothing and is allowed too.
    const sooner = await newRootKey(t, [], { expires });
    expect((await update({ rootKeyId: sooner.rootKeyId, permissions: ['api.*.read_api'] }, granter)).status).toBe(200);
    expect((await update({ rootKeyId: forever.rootKeyId, name: 'renamed' }, granter)).status).toBe(200);
  });
});
