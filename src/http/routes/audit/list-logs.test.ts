import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../../../test/harness.js';
import { useTestServer } from '../../../../test/per-file-server.js';
import { newId } from '../../../core/ids.js';
import { hashKey } from '../../../core/key-format.js';

const t = useTestServer();
/** The records this test writes straight to the store, typed through the server (routes' files never import storage). */
type AuditEntry = Parameters<TestServer['server']['store']['appendAudit']>[0];
type AuditResource = AuditEntry['resources'][number];

/**
 * A fresh workspace (its bootstrap writes the first record) plus four records written straight to
 * the store one second apart, after the bootstrap, so every filter has a known answer.
 */
async function seeded() {
  const ws = await t.newWorkspace();
  const base = t.clock.now() + 60_000;
  const record = (offset: number, event: string, actorId: string, resources: AuditResource[]): AuditEntry => ({
    id: newId('auditLog', base + offset),
    workspaceId: ws.workspaceId,
    event,
    time: base + offset,
    actor: { type: 'root_key', id: actorId, name: actorId === 'rk_alice' ? 'alice' : null },
    description: `${event} by ${actorId}`,
    resources,
    sourceIp: '10.0.0.1',
    userAgent: 'ua/1',
    requestId: `req_seed${offset}`,
  });
  const records = [
    record(1000, 'api.create', 'rk_alice', [{ type: 'api', id: 'api_one', name: 'one' }]),
    record(2000, 'key.create', 'rk_bob', [
      { type: 'api', id: 'api_one' },
      { type: 'key', id: 'key_one' },
    ]),
    record(3000, 'key.update', 'rk_alice', [{ type: 'key', id: 'key_one' }]),
    record(4000, 'api.delete', 'rk_bob', [{ type: 'api', id: 'api_two' }]),
  ];
  for (const r of records) await t.server.store.appendAudit(r);
  return { ...ws, base, records, ids: records.map((r) => r.id) };
}

const ids = (res: { body: any }) => (res.body.data as Array<{ id: string }>).map((d) => d.id);

describe('audit.listLogs', () => {
  describe('200', () => {
    it('lists the workspace oldest first, every field mapped, optional ones omitted when null', async () => {
      const ws = await seeded();
      const res = await t.call('audit.listLogs', {}, { rootKey: ws.rootKey });
      expect(res.status).toBe(200);
      expect(res.body.meta.requestId).toMatch(/^req_[A-Za-z0-9]+$/);
      expect(res.body.pagination).toEqual({ hasMore: false });
      const [bootstrap, ...rest] = res.body.data;
      expect(bootstrap.event).toBe('workspace.bootstrap');
      // Work done by Keyward itself has no ip, agent, request or actor name: the keys are absent, not null.
      expect(bootstrap).not.toHaveProperty('sourceIp');
      expect(bootstrap).not.toHaveProperty('userAgent');
      expect(bootstrap).not.toHaveProperty('requestId');
      expect(bootstrap.actor).toEqual({ type: 'system', id: 'bootstrap' });
      expect(rest.map((d: { id: string }) => d.id)).toEqual(ws.ids);
      expect(rest[0]).toEqual({
        id: ws.ids[0],
        event: 'api.create',
        time: ws.base + 1000,
        actor: { type: 'root_key', id: 'rk_alice', name: 'alice' },
        description: 'api.create by rk_alice',
        resources: [{ type: 'api', id: 'api_one', name: 'one' }],
        sourceIp: '10.0.0.1',
        userAgent: 'ua/1',
        requestId: 'req_seed1000',
      });
      expect(rest[1].actor).toEqual({ type: 'root_key', id: 'rk_bob' });
      expect(rest[1].resources).toEqual([
        { type: 'api', id: 'api_one' },
        { type: 'key', id: 'key_one' },
      ]);
    });

    it('records a real mutation with the caller, source ip, user agent and request id', async () => {
      const ws = await t.newWorkspace();
      const created = await t.call(
        'apis.createApi',
        { name: 'audited' },
        { rootKey: ws.rootKey, headers: { 'user-agent': 'audit-test/1.0' } },
      );
      const rootKey = await t.server.store.findRootKeyByHash(hashKey(ws.rootKey));
      const res = await t.call('audit.listLogs', { events: ['api.create'] }, { rootKey: ws.rootKey });
      expect(res.body.data).toHaveLength(1);
      expect(res.body.data[0]).toMatchObject({
        event: 'api.create',
        time: t.clock.now(),
        actor: { type: 'root_key', id: rootKey!.id, name: 'bootstrap' },
        resources: [{ type: 'api', id: created.body.data.apiId, name: 'audited' }],
        sourceIp: '127.0.0.1',
        userAgent: 'audit-test/1.0',
        requestId: created.body.meta.requestId,
      });
    });

    it('filters by events, actorId, resourceId, since, until, and all of them together', async () => {
      const ws = await seeded();
      const list = async (filter: object) => ids(await t.call('audit.listLogs', filter, { rootKey: ws.rootKey }));
      const [apiCreate, keyCreate, keyUpdate, apiDelete] = ws.ids;
      expect(await list({ events: ['key.create', 'key.update'] })).toEqual([keyCreate, keyUpdate]);
      expect(await list({ events: ['no.such.event'] })).toEqual([]);
      expect(await list({ actorId: 'rk_bob' })).toEqual([keyCreate, apiDelete]);
      expect(await list({ resourceId: 'api_one' })).toEqual([apiCreate, keyCreate]);
      expect(await list({ resourceId: 'key_one' })).toEqual([keyCreate, keyUpdate]);
      // Both bounds are inclusive.
      expect(await list({ since: ws.base + 2000 })).toEqual([keyCreate, keyUpdate, apiDelete]);
      expect(await list({ until: ws.base + 2000 })).toEqual(expect.arrayContaining([apiCreate, keyCreate]));
      expect(await list({ until: ws.base + 2000 })).not.toContain(keyUpdate);
      expect(await list({ since: ws.base + 2000, until: ws.base + 3000 })).toEqual([keyCreate, keyUpdate]);
      expect(await list({ since: ws.base + 2500, until: ws.base + 2500 })).toEqual([]);
      expect(await list({ events: ['key.update', 'api.create'], actorId: 'rk_alice', resourceId: 'key_one', since: ws.base })).toEqual([
        keyUpdate,
      ]);
    });

    it('pages with limit and cursor; the cursor is absent on the last page', async () => {
      const ws = await seeded();
      const pages: string[][] = [];
      let cursor: string | undefined;
      for (;;) {
        const res = await t.call('audit.listLogs', { limit: 2, ...(cursor ? { cursor } : {}) }, { rootKey: ws.rootKey });
        expect(res.status).toBe(200);
        pages.push(ids(res));
        if (!res.body.pagination.hasMore) {
          expect(res.body.pagination).toEqual({ hasMore: false });
          break;
        }
        cursor = res.body.pagination.cursor;
        expect(cursor).toBe(pages.at(-1)!.at(-1));
      }
      // 1 bootstrap record + 4 seeded = 5: pages of 2, 2, 1.
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat().slice(1)).toEqual(ws.ids);

      // A page that ends exactly at the last record says so instead of sending a cursor to an empty page.
      const exact = await t.call('audit.listLogs', { actorId: 'rk_bob', limit: 2 }, { rootKey: ws.rootKey });
      expect(exact.body.pagination).toEqual({ hasMore: false });

      const filtered = await t.call('audit.listLogs', { resourceId: 'key_one', limit: 1 }, { rootKey: ws.rootKey });
      expect(filtered.body.pagination).toEqual({ hasMore: true, cursor: ws.ids[1] });
      const next = await t.call('audit.listLogs', { resourceId: 'key_one', limit: 1, cursor: ws.ids[1] }, { rootKey: ws.rootKey });
      expect(ids(next)).toEqual([ws.ids[2]]);
      expect(next.body.pagination).toEqual({ hasMore: false });
    });

    it('lists newest first with order desc, paging backwards with its cursors, filters applied', async () => {
      const ws = await seeded();
      const [apiCreate, keyCreate, keyUpdate, apiDelete] = ws.ids;
      const pages: string[][] = [];
      let cursor: string | undefined;
      for (;;) {
        const res = await t.call('audit.listLogs', { order: 'desc', limit: 2, ...(cursor ? { cursor } : {}) }, { rootKey: ws.rootKey });
        expect(res.status).toBe(200);
        pages.push(ids(res));
        if (!res.body.pagination.hasMore) break;
        cursor = res.body.pagination.cursor;
        expect(cursor).toBe(pages.at(-1)!.at(-1));
      }
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat().slice(0, 4)).toEqual([apiDelete, keyUpdate, keyCreate, apiCreate]);
      expect((await t.call('audit.listLogs', {}, { rootKey: ws.rootKey })).body.data.map((d: { id: string }) => d.id)).toEqual(
        pages.flat().reverse(),
      );

      const list = async (filter: object) => ids(await t.call('audit.listLogs', { order: 'desc', ...filter }, { rootKey: ws.rootKey }));
      expect(await list({ actorId: 'rk_alice' })).toEqual([keyUpdate, apiCreate]);
      expect(await list({ resourceId: 'key_one', limit: 1 })).toEqual([keyUpdate]);
      expect(await list({ resourceId: 'key_one', cursor: keyUpdate })).toEqual([keyCreate]);
      expect(await list({ since: ws.base + 2000, until: ws.base + 3000 })).toEqual([keyUpdate, keyCreate]);
      // The same cursor read oldest first goes the other way.
      expect(await list({ cursor: keyCreate, order: 'asc' })).toEqual([keyUpdate, apiDelete]);
    });

    it("never shows another workspace's records, whatever the filter or cursor", async () => {
      const mine = await seeded();
      const theirs = await seeded(); // same events, actors and resource ids, different workspace
      const allowed = new Set(ids(await t.call('audit.listLogs', {}, { rootKey: mine.rootKey })));
      expect(allowed.size).toBe(5);
      for (const filter of [
        {},
        { events: ['api.create', 'workspace.bootstrap'] },
        { actorId: 'rk_bob' },
        { actorId: 'bootstrap' },
        { resourceId: 'api_one' },
        { resourceId: theirs.workspaceId },
        { since: 0 },
        { until: 4102444800000 },
        { cursor: theirs.ids[0] },
        { cursor: 'log_0' },
      ]) {
        const res = await t.call('audit.listLogs', filter, { rootKey: mine.rootKey });
        expect(res.status).toBe(200);
        for (const id of ids(res)) expect(allowed, JSON.stringify(filter)).toContain(id);
      }
      expect(ids(await t.call('audit.listLogs', { resourceId: theirs.workspaceId }, { rootKey: mine.rootKey }))).toEqual([]);
    });
  });

  describe('400', () => {
    it.each([
      ['limit 0', { limit: 0 }],
      ['limit 101', { limit: 101 }],
      ['limit as a string', { limit: '10' }],
      ['events not an array', { events: 'api.create' }],
      ['empty events', { events: [] }],
      ['an empty event name', { events: [''] }],
      ['since negative', { since: -1 }],
      ['since not an integer', { since: 1.5 }],
      ['until past 2100', { until: 4102444800001 }],
      ['empty cursor', { cursor: '' }],
      ['cursor with odd characters', { cursor: "log_1' OR 1=1" }],
      ['unknown field', { workspaceId: 'ws_other' }],
      ['an order that is neither asc nor desc', { order: 'newest' }],
      ['a body that is not an object', [1, 2]],
    ])('%s', async (_name, body) => {
      const res = await t.call('audit.listLogs', body);
      expect(res.status).toBe(400);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/invalid_input');
      expect(res.body.error.errors.length).toBeGreaterThan(0);
    });

    it('since later than until', async () => {
      const res = await t.call('audit.listLogs', { since: 2000, until: 1000 });
      expect(res.status).toBe(400);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/invalid_input');
      expect(res.body.error.errors).toEqual([expect.objectContaining({ location: 'body.since' })]);
    });
  });

  describe('401', () => {
    it('an unknown root key', async () => {
      const res = await t.call('audit.listLogs', {}, { rootKey: 'kw_root_not_a_real_key' });
      expect(res.status).toBe(401);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authentication/key_not_found');
    });
  });

  describe('403', () => {
    it('a root key without audit.*.read_audit_log', async () => {
      for (const permissions of [[], ['api.*.read_api'], [`audit.${t.workspaceId}.read_audit_log`], ['audit.*.*']]) {
        const key = await t.rootKeyWith(permissions);
        const res = await t.call('audit.listLogs', {}, { rootKey: key });
        expect(res.status, JSON.stringify(permissions)).toBe(403);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
        expect(res.body.error.detail).toContain('audit.*.read_audit_log');
      }
      const auditor = await t.rootKeyWith(['audit.*.read_audit_log']);
      expect((await t.call('audit.listLogs', { limit: 1 }, { rootKey: auditor })).status).toBe(200);
    });
  });
});
