import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount } from '../../../../test/key-fixtures.js';

const t = useTestServer();

describe('keyMigrations.createMigration', () => {
  describe('200', () => {
    it.each(['sha256_base64', 'sha256_hex', 'prefixed_api_key'])(
      "creates a %s migration of the caller's workspace, audited",
      async (algorithm) => {
        const res = await t.call('keyMigrations.createMigration', { algorithm });
        expect(res.status).toBe(200);
        expect(res.body.meta.requestId).toMatch(/^req_/);
        const { migrationId } = res.body.data;
        expect(migrationId).toMatch(/^mig_[0-9a-z]+$/);
        expect(await t.server.store.findKeyMigration(t.workspaceId, migrationId)).toMatchObject({
          id: migrationId,
          algorithm,
          workspaceId: t.workspaceId,
        });
        const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: migrationId, limit: 10 });
        expect(record).toMatchObject({
          event: 'key_migration.create',
          actor: { type: 'root_key' },
          resources: [{ type: 'key_migration', id: migrationId }],
          description: `Created key migration ${migrationId} (${algorithm})`,
        });
      },
    );

    it('accepts a URN on every keyspace instead of api.*.create_key', async () => {
      const rootKey = await t.rootKeyWith([`unkey:v1:${t.workspaceId}:keyspaces/*#create_key`]);
      expect((await t.call('keyMigrations.createMigration', { algorithm: 'sha256_hex' }, { rootKey })).status).toBe(200);
    });
  });

  describe('400', () => {
    it('an unknown or missing algorithm, or an unknown field; nothing created', async () => {
      const records = await auditCount(t);
      for (const body of [{}, { algorithm: 'md5' }, { algorithm: 'SHA256_HEX' }, { algorithm: 'sha256_hex', id: 'mine' }]) {
        const res = await t.call('keyMigrations.createMigration', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('403', () => {
    it('a root key without api.*.create_key (create_key on one API is not enough: a migration names no API)', async () => {
      const rootKeys = [await t.rootKeyWith(['api.api_1.create_key']), await t.rootKeyWith(['api.*.read_key', 'api.*.verify_key'])];
      const records = await auditCount(t);
      for (const rootKey of rootKeys) {
        const res = await t.call('keyMigrations.createMigration', { algorithm: 'sha256_hex' }, { rootKey });
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
      }
      expect(await auditCount(t)).toBe(records);
    });
  });
});
