import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { ALL_WILDCARD_PERMISSIONS, permissionProblem } from '../../../core/permissions.js';
import { INSUFFICIENT, allRootKeys } from '../../../../test/root-key-fixtures.js';

const t = useTestServer();

describe('rootKeys.listPermissions', () => {
  describe('200', () => {
    it('every permission the bootstrap key holds, described; per-resource and URN forms with placeholders', async () => {
      const res = await t.call('rootKeys.listPermissions', {});
      expect(res.status).toBe(200);
      const entries: { permission: string; description: string }[] = res.body.data;
      for (const entry of entries) expect(entry.description.length, entry.permission).toBeGreaterThan(10);
      const names = entries.map((e) => e.permission);
      expect(new Set(names).size).toBe(names.length);
      const bootstrap = (await allRootKeys(t)).find((k) => k.name === 'bootstrap');
      expect(names).toEqual(expect.arrayContaining(bootstrap.permissions));
      expect(bootstrap.permissions).toEqual(
        expect.arrayContaining([
          'rootkey.*.create_root_key',
          'rootkey.*.read_root_key',
          'rootkey.*.update_root_key',
          'rootkey.*.delete_root_key',
        ]),
      );
      expect(names).toEqual(
        expect.arrayContaining([
          'api.<apiId>.read_key',
          'identity.<idId>.read_identity',
          'ratelimit.<rlnsId>.limit',
          'unkey:v1:<workspaceId>:keyspaces/<apiId>/keys/<keyId>#verify_key',
          'unkey:v1:<workspaceId>:**#*',
        ]),
      );
      // Placeholders filled in, every listed form is one a root key can be given.
      const fill = (p: string) =>
        p
          .replace('<workspaceId>', t.workspaceId)
          .replace(/<(api|id|rlns)Id>/, '$1_1')
          .replace(/<[a-zA-Z]+Id>/g, 'x_1');
      for (const name of names) expect(permissionProblem(fill(name), t.workspaceId), name).toBeUndefined();
      expect([...ALL_WILDCARD_PERMISSIONS].sort()).toEqual(names.filter((n) => /^[a-z]+\.\*\./.test(n)).sort());
    });
  });

  describe('400', () => {
    it('unknown fields', async () => {
      expect((await t.call('rootKeys.listPermissions', { limit: 10 })).status).toBe(400);
    });
  });

  describe('403', () => {
    it('without rootkey.*.read_root_key', async () => {
      const res = await t.call('rootKeys.listPermissions', {}, { rootKey: await t.rootKeyWith(['rootkey.*.create_root_key']) });
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
    });
  });
});
