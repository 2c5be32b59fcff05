import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';

const t = useTestServer();

describe('apis.createApi', () => {
  it('200: creates an API that getApi returns, and audits it', async () => {
    const created = await t.call('apis.createApi', { name: 'payments' });
    expect(created.status).toBe(200);
    expect(created.body.meta.requestId).toMatch(/^req_[A-Za-z0-9]+$/);
    expect(created.body.data.apiId).toMatch(/^api_[0-9a-z]+$/);
    const got = await t.call('apis.getApi', { apiId: created.body.data.apiId });
    expect(got.body.data).toEqual({ id: created.body.data.apiId, name: 'payments' });
    const audit = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: created.body.data.apiId, limit: 10 });
    expect(audit.map((a) => a.event)).toEqual(['api.create']);
  });

  it('400: too short a name, unknown field, wrong type, bad JSON; nothing created', async () => {
    for (const body of [{ name: 'ab' }, { name: 'valid name', extra: 1 }, { name: 42 }, {}, '{"name": ']) {
      const res = await t.call('apis.createApi', body);
      expect(res.status).toBe(400);
      expect(res.body.error.status).toBe(400);
      expect(Array.isArray(res.body.error.errors)).toBe(true);
    }
    const audit = await t.server.store.listAudit({ workspaceId: t.workspaceId, events: ['api.create'], limit: 100 });
    expect(audit).toHaveLength(1);
  });

  it('403: a root key without api.*.create_api', async () => {
    const key = await t.rootKeyWith(['api.*.read_api']);
    const res = await t.call('apis.createApi', { name: 'nope nope' }, { rootKey: key });
    expect(res.status).toBe(403);
    expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
  });
});
