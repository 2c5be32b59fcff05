import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { namespaceName, newNamespace, setOverride } from '../../../../test/ratelimit-fixtures.js';

const t = useTestServer();

const get = caller(t, 'ratelimit.getOverride');

describe('ratelimit.getOverride', () => {
  describe('200', () => {
    it('resolves as limit does: the exact identifier first, then the first matching pattern in creation order', async () => {
      const ns = await newNamespace(t);
      const broad = await setOverride(t, { namespace: ns.name, identifier: 'acme_*', limit: 10, duration: 60_000 });
      t.clock.advance(1);
      await setOverride(t, { namespace: ns.name, identifier: 'acme_team_*', limit: 20, duration: 60_000 });
      t.clock.advance(1);
      const exact = await setOverride(t, { namespace: ns.name, identifier: 'acme_team_1', limit: 30, duration: 1000 });

      expect((await get({ namespace: ns.name, identifier: 'acme_team_1' })).body.data).toEqual({
        overrideId: exact,
        identifier: 'acme_team_1',
        limit: 30,
        duration: 1000,
      });
      expect((await get({ namespace: ns.id, identifier: 'acme_team_2' })).body.data).toEqual({
        overrideId: broad,
        identifier: 'acme_*',
        limit: 10,
        duration: 60_000,
      });
    });

    it('matches a pattern string literally first', async () => {
      const ns = await newNamespace(t);
      await setOverride(t, { namespace: ns.name, identifier: '*', limit: 1, duration: 1000 });
      t.clock.advance(1);
      const literal = await setOverride(t, { namespace: ns.name, identifier: 'x_*', limit: 2, duration: 1000 });
      expect((await get({ namespace: ns.name, identifier: 'x_*' })).body.data.overrideId).toBe(literal);
    });

    it("the namespace's own read_override permission is enough", async () => {
      const ns = await newNamespace(t);
      await setOverride(t, { namespace: ns.name, identifier: 'u', limit: 1, duration: 1000 });
      const key = await t.rootKeyWith([`ratelimit.${ns.id}.read_override`]);
      expect((await get({ namespace: ns.name, identifier: 'u' }, key)).status).toBe(200);
    });
  });

  describe('400', () => {
    it('missing or oversized fields', async () => {
      for (const body of [
        { namespace: 'n' },
        { identifier: 'u' },
        { namespace: 'n', identifier: 'u'.repeat(513) },
        { namespace: 'n', identifier: 'u', x: 1 },
      ]) {
        const res = await get(body);
        expect(res.status).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
    });
  });

  describe('404', () => {
    it('no override matches', async () => {
      const ns = await newNamespace(t);
      await setOverride(t, { namespace: ns.name, identifier: 'vip_*', limit: 1, duration: 1000 });
      const res = await get({ namespace: ns.name, identifier: 'regular' });
      expect(res.status).toBe(404);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/ratelimit_override_not_found');
    });

    it('without read_override the namespace is masked: the same answer as a namespace that does not exist', async () => {
      const ns = await newNamespace(t);
      await setOverride(t, { namespace: ns.name, identifier: 'u', limit: 1, duration: 1000 });
      const key = await t.rootKeyWith(['ratelimit.*.set_override', 'ratelimit.*.limit']);
      const masked = await get({ namespace: ns.name, identifier: 'u' }, key);
      const missingName = namespaceName();
      const missing = await get({ namespace: missingName, identifier: 'u' }, key);
      expect(masked.status).toBe(404);
      expect(masked.body.error).toEqual({ ...missing.body.error, detail: missing.body.error.detail.replace(missingName, ns.name) });
    });

    it('a namespace that does not exist or was deleted', async () => {
      const ns = await newNamespace(t);
      await t.call('ratelimitNamespaces.deleteNamespace', { namespace: ns.name });
      for (const namespace of [ns.name, namespaceName()]) {
        const res = await get({ namespace, identifier: 'u' });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/ratelimit_namespace_not_found');
      }
    });
  });
});
