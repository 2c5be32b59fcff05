import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, newApi } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, allRootKeys, newRootKey } from '../../../../test/root-key-fixtures.js';

let logs = '';
const t = useTestServer({
  env: { KEYWARD_LOG_LEVEL: 'trace' },
  logStream: {
    write: (line) => {
      logs += line;
    },
  },
});

const create = (body: unknown, rootKey = t.rootKey) => t.call('rootKeys.createRootKey', body, { rootKey });
const CREATE = 'rootkey.*.create_root_key';

describe('rootKeys.createRootKey', () => {
  describe('200', () => {
    it('returns the key once; it works with exactly its permissions; listed without its secret; audited', async () => {
      const res = await create({ name: 'deploy bot', permissions: ['api.*.create_api', 'api.*.read_api', 'api.*.create_api'] });
      expect(res.status).toBe(200);
      const { rootKeyId, key } = res.body.data;
      expect(rootKeyId).toMatch(/^rk_[0-9a-z]+$/);
      expect(key).toMatch(/^kw_root_[1-9A-HJ-NP-Za-km-z]+$/);

      const api = await t.call('apis.createApi', { name: 'made by the new key' }, { rootKey: key });
      expect(api.status).toBe(200);
      expect((await t.call('apis.getApi', { apiId: api.body.data.apiId }, { rootKey: key })).status).toBe(200);
      expect((await t.call('apis.deleteApi', { apiId: api.body.data.apiId }, { rootKey: key })).status).toBe(403);

      const listed = (await allRootKeys(t)).find((k) => k.id === rootKeyId);
      const bootstrapKeyId = (await allRootKeys(t)).find((k) => k.name === 'bootstrap').id;
      expect(listed).toEqual({
        id: rootKeyId,
        name: 'deploy bot',
        start: key.slice(0, 'kw_root_'.length + 4),
        permissions: ['api.*.create_api', 'api.*.read_api'],
        createdAt: t.clock.now(),
        createdBy: bootstrapKeyId,
      });

      const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: rootKeyId, limit: 10 });
      expect(record).toMatchObject({
        event: 'rootKey.create',
        actor: { type: 'root_key', id: bootstrapKeyId },
        resources: [{ type: 'rootKey', id: rootKeyId, name: 'deploy bot' }],
      });
      expect(record!.description).toContain('api.*.create_api, api.*.read_api');
      // Shown once means once: not in the audit log, nor in any log line (written at trace level here).
      expect(JSON.stringify(await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 10_000 }))).not.toContain(key);
      // The capture works (the listening line is in it), so the absence below is not that of an empty capture.
      await t.listen();
      expect(logs).toContain('Server listening at');
      expect(logs).not.toContain(key);
    });

    it('a per-resource tuple can be granted by a holder of its * form; a URN by a holder of a URN covering it', async () => {
      const apiId = await newApi(t);
      const granter = await t.rootKeyWith([CREATE, 'api.*.read_key', `unkey:v1:${t.workspaceId}:keyspaces/**#read_key`]);
      const res = await create(
        {
          name: 'narrow',
          permissions: [`api.${apiId}.read_key`, `unkey:v1:${t.workspaceId}:keyspaces/${apiId}/keys/*#read_key`],
        },
        granter,
      );
      expect(res.status).toBe(200);
    });

    it('an expiring root key may create one expiring no later; the new key stops working then (403)', async () => {
      const expires = t.clock.now() + 60_000;
      const { key: granter } = await newRootKey(t, [CREATE, 'api.*.create_api'], { expires });
      const { key } = await newRootKey(t, ['api.*.create_api'], { expires, by: granter });
      expect((await t.call('apis.createApi', { name: 'in time' }, { rootKey: key })).status).toBe(200);
      t.clock.advance(60_001);
      const late = await t.call('apis.createApi', { name: 'too late' }, { rootKey: key });
      expect(late.status).toBe(403);
      expect(late.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/forbidden');
    });

    it('an environment: a visible label in listings and a recognisable segment of the key; none keeps the old format', async () => {
      for (const environment of ['dev', 'staging', 'prod'] as const) {
        const res = await create({ name: `env ${environment}`, permissions: ['api.*.create_api'], environment });
        expect(res.status).toBe(200);
        const { rootKeyId, key } = res.body.data;
        expect(key).toMatch(new RegExp(`^kw_root_${environment}_[1-9A-HJ-NP-Za-km-z]+$`));
        expect((await t.call('apis.createApi', { name: environment }, { rootKey: key })).status).toBe(200);
        const listed = (await allRootKeys(t)).find((k) => k.id === rootKeyId);
        expect(listed).toMatchObject({ environment, start: key.slice(0, `kw_root_${environment}_`.length + 4) });
        const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: rootKeyId, limit: 10 });
        expect(record!.description).toContain(`environment ${environment}`);
      }
      const plain = await create({ name: 'no env', permissions: [] });
      expect(plain.body.data.key).toMatch(/^kw_root_[1-9A-HJ-NP-Za-km-z]+$/);
      expect((await allRootKeys(t)).find((k) => k.id === plain.body.data.rootKeyId)).not.toHaveProperty('environment');
    });

    it('an empty permission list makes a root key that can do nothing', async () => {
      const { key } = await newRootKey(t, []);
      expect((await t.call('apis.createApi', { name: 'nothing allowed' }, { rootKey: key })).status).toBe(403);
    });
  });

  describe('400', () => {
    it("schema problems, unknown or malformed permissions, another workspace's URN, a past expiry; nothing created", async () => {
      const other = await t.newWorkspace();
      const records = await auditCount(t);
      const keys = (await allRootKeys(t)).length;
      for (const body of [
        {},
        { name: 'x' },
        { permissions: [] },
        { name: '', permissions: [] },
        { name: 'x', permissions: 'api.*.read_api' },
        { name: 'x', permissions: [''] },
        { name: 'x', permissions: [], extra: true },
        { name: 'x', permissions: [], expires: -1 },
        { name: 'x', permissions: ['api.*.read_api', 'api.*.frobnicate'] },
        { name: 'x', permissions: ['billing.*.read_invoice'] },
        { name: 'x', permissions: ['api.*'] },
        { name: 'x', permissions: ['api.*.*'] },
        { name: 'x', permissions: ['api.api_1.create_api'] },
        { name: 'x', permissions: ['api.not_an_api_id.read_key'] },
        { name: 'x', permissions: ['rbac.rbac_1.read_role'] },
        { name: 'x', permissions: ['unkey:v1:'] },
        { name: 'x', permissions: [`unkey:v1:${t.workspaceId}:keyspaces/ks_1`] },
        { name: 'x', permissions: [`unkey:v1:${t.workspaceId}:keyspaces/ks_*#read_key`] },
        { name: 'x', permissions: [`unkey:v1:${t.workspaceId}:**/keys#read_key`] },
        { name: 'x', permissions: [`unkey:v1:${t.workspaceId}:keyspaces/**#*`] },
        { name: 'x', permissions: [`unkey:v1:${other.workspaceId}:**#*`] },
        { name: 'x', permissions: ['api.*.read_api'], expires: t.clock.now() },
        { name: 'x', permissions: [], environment: 'production' },
        { name: 'x', permissions: [], environment: '' },
      ]) {
        const res = await create(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await allRootKeys(t)).length).toBe(keys);
    });

    it('names every bad permission by its index', async () => {
      const res = await create({ name: 'x', permissions: ['api.*.read_api', 'nope', 'api.*.nope'] });
      expect(res.body.error.errors.map((e: { location: string }) => e.location)).toEqual(['body.permissions.1', 'body.permissions.2']);
    });
  });

  describe('401', () => {
    it('an unknown root key', async () => {
      const res = await create({ name: 'x', permissions: [] }, 'kw_root_unknown123456789');
      expect(res.status).toBe(401);
    });
  });

  describe('403', () => {
    it('without rootkey.*.create_root_key, whatever else the caller holds', async () => {
      const rootKey = await t.rootKeyWith(['api.*.read_api', 'rootkey.*.read_root_key', 'rootkey.*.update_root_key']);
      const res = await create({ name: 'x', permissions: ['api.*.read_api'] }, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
    });

    it('no escalation: a permission the caller does not hold is refused, naming the first missing; nothing created', async () => {
      const apiId = await newApi(t);
      const granter = await t.rootKeyWith([
        CREATE,
        'api.*.read_api',
        `api.${apiId}.read_key`,
        `unkey:v1:${t.workspaceId}:keyspaces/${apiId}/keys/*#read_key`,
      ]);
      const admin = await t.rootKeyWith([CREATE, `unkey:v1:${t.workspaceId}:**#*`]);
      const records = await auditCount(t);
      for (const [permissions, missing] of [
        [['api.*.read_api', 'api.*.delete_api', 'audit.*.read_audit_log'], 'api.*.delete_api'],
        // The per-resource form does not stand for the `*` form, nor for another resource.
        [['api.*.read_key'], 'api.*.read_key'],
        [['api.api_other.read_key'], 'api.api_other.read_key'],
        // Root-key management is a permission like any other: holding create_root_key grants none of the others.
        [['rootkey.*.update_root_key'], 'rootkey.*.update_root_key'],
        // A URN grant covers only what its pattern covers; a tuple never stands for a URN, nor a URN for a tuple.
        [[`unkey:v1:${t.workspaceId}:keyspaces/*/keys/*#read_key`], `unkey:v1:${t.workspaceId}:keyspaces/*/keys/*#read_key`],
        [
          [`unkey:v1:${t.workspaceId}:keyspaces/${apiId}/keys/**#read_key`],
          `unkey:v1:${t.workspaceId}:keyspaces/${apiId}/keys/**#read_key`,
        ],
        [[`unkey:v1:${t.workspaceId}:keyspaces/${apiId}#read_keyspace`], `unkey:v1:${t.workspaceId}:keyspaces/${apiId}#read_keyspace`],
      ] as const) {
        const res = await create({ name: 'escalation', permissions }, granter);
        expect(res.status, missing).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
        expect(res.body.error.detail).toContain(`'${missing}'`);
      }
      expect((await create({ name: 'urn admin', permissions: ['api.*.read_key'] }, admin)).status).toBe(403);
      expect(await auditCount(t)).toBe(records);
    });

    it('an expiring root key cannot create one that outlives it', async () => {
      const expires = t.clock.now() + 60_000;
      const { key: granter } = await newRootKey(t, [CREATE, 'api.*.read_api'], { expires });
      for (const body of [
        { name: 'forever', permissions: ['api.*.read_api'] },
        { name: 'later', permissions: [], expires: expires + 1 },
      ]) {
        const res = await create(body, granter);
        expect(res.status).toBe(403);
        expect(res.body.error.detail).toContain('expires');
      }
    });
  });
});
