import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents } from '../../../../test/key-fixtures.js';
import { alignClock, namespaceName, newNamespace, setOverride } from '../../../../test/ratelimit-fixtures.js';

const t = useTestServer();

const rename = caller(t, 'ratelimitNamespaces.renameNamespace');

describe('ratelimitNamespaces.renameNamespace', () => {
  describe('200', () => {
    it('renames (by id or name), audited; counters and overrides stay with the namespace', async () => {
      alignClock(t, 60_000);
      const ns = await newNamespace(t);
      const overrideId = await setOverride(t, { namespace: ns.name, identifier: 'u', limit: 2, duration: 60_000 });
      await t.call('ratelimit.limit', { namespace: ns.name, identifier: 'u', limit: 1, duration: 60_000 });
      const newName = namespaceName('renamed');

      const res = await rename({ namespace: ns.name, name: newName });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ id: ns.id, name: newName, createdAt: expect.any(Number), updatedAt: t.clock.now() });
      expect(await auditEvents(t, ns.id)).toContain('ratelimit_namespace.update');

      const after = await t.call('ratelimit.limit', { namespace: newName, identifier: 'u', limit: 1, duration: 60_000 });
      expect(after.body.data).toMatchObject({ success: true, remaining: 0, overrideId });
      // The old name is free again: limiting against it starts a new namespace.
      await t.call('ratelimit.limit', { namespace: ns.name, identifier: 'u', limit: 1, duration: 60_000 });
      expect((await t.server.store.findRatelimitNamespace(t.workspaceId, ns.name))!.id).not.toBe(ns.id);
      expect((await rename({ namespace: ns.id, name: `${newName}.again` })).status).toBe(200);
    });

    it('renaming to its own name is a no-op that succeeds', async () => {
      const ns = await newNamespace(t);
      expect((await rename({ namespace: ns.id, name: ns.name })).status).toBe(200);
    });
  });

  describe('400', () => {
    it('a name another live namespace has; nothing changes', async () => {
      const a = await newNamespace(t);
      const b = await newNamespace(t);
      const records = await auditCount(t);
      const res = await rename({ namespace: a.id, name: b.name });
      expect(res.status).toBe(400);
      expect(res.body.error.errors[0]).toMatchObject({ location: 'body.name' });
      expect((await t.server.store.findRatelimitNamespace(t.workspaceId, a.id))!.name).toBe(a.name);
      expect(await auditCount(t)).toBe(records);
    });

    it("a deleted namespace's name is free", async () => {
      const a = await newNamespace(t);
      const b = await newNamespace(t);
      await t.call('ratelimitNamespaces.deleteNamespace', { namespace: b.id });
      expect((await rename({ namespace: a.id, name: b.name })).status).toBe(200);
    });

    it('an empty or oversized name, or a missing field', async () => {
      for (const body of [{ namespace: 'n', name: '' }, { namespace: 'n', name: 'x'.repeat(513) }, { namespace: 'n' }]) {
        const res = await rename(body);
        expect(res.status).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
    });
  });

  describe('403', () => {
    it("without ratelimit.*.update_namespace or the namespace's own", async () => {
      const ns = await newNamespace(t);
      const denied = await rename({ namespace: ns.id, name: namespaceName() }, await t.rootKeyWith(['ratelimit.*.read_namespace']));
      expect(denied.status).toBe(403);
      expect(
        (await rename({ namespace: ns.id, name: namespaceName() }, await t.rootKeyWith([`ratelimit.${ns.id}.update_namespace`]))).status,
      ).toBe(200);
    });
  });

  describe('404', () => {
    it('a namespace that does not exist or was deleted', async () => {
      const ns = await newNamespace(t);
      await t.call('ratelimitNamespaces.deleteNamespace', { namespace: ns.id });
      for (const namespace of [ns.id, namespaceName()]) {
        const res = await rename({ namespace, name: namespaceName() });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/ratelimit_namespace_not_found');
      }
    });
  });
});
