import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import type { AuditEntry, Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

export function auditCases(suite: StoreSuite): void {
  describe('audit', () => {
    const { newWorkspace } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('appends records and lists them oldest first with every filter, scoped to the workspace', async () => {
      const workspaceId = await newWorkspace();
      const stranger = await newWorkspace();
      const entry = (ws: string, offset: number, event: string, actorId: string, resources: AuditEntry['resources']): AuditEntry => ({
        id: newId('auditLog', NOW + offset),
        workspaceId: ws,
        event,
        time: NOW + offset,
        actor: { type: 'root_key', id: actorId, name: actorId === 'rk_1' ? 'one' : null },
        description: `${event} ${offset}`,
        resources,
        sourceIp: offset === 1000 ? '192.0.2.1' : null,
        userAgent: offset === 1000 ? 'curl/8' : null,
        requestId: offset === 1000 ? 'req_abc' : null,
      });
      const e1 = entry(workspaceId, 1000, 'api.create', 'rk_1', [{ type: 'api', id: 'api_x', name: 'x' }]);
      // The same resource twice in one record is listed once by a resource filter.
      const e2 = entry(workspaceId, 2000, 'key.create', 'rk_2', [
        { type: 'api', id: 'api_x' },
        { type: 'key', id: 'key_x' },
        { type: 'key', id: 'key_x' },
      ]);
      const e3 = entry(workspaceId, 3000, 'key.update', 'rk_1', []);
      const foreign = entry(stranger, 1500, 'api.create', 'rk_1', [{ type: 'api', id: 'api_x' }]);
      for (const e of [e1, foreign, e2, e3]) await store.appendAudit(e);

      const list = async (q: Partial<Parameters<Store['listAudit']>[0]>) =>
        (await store.listAudit({ workspaceId, limit: 100, ...q })).map((e) => e.id);
      expect(await store.listAudit({ workspaceId, limit: 100 })).toEqual([e1, e2, e3]);
      expect(await list({ events: ['key.create', 'key.update'] })).toEqual([e2.id, e3.id]);
      expect(await list({ actorId: 'rk_1' })).toEqual([e1.id, e3.id]);
      expect(await list({ resourceId: 'api_x' })).toEqual([e1.id, e2.id]);
      expect(await list({ resourceId: 'key_x' })).toEqual([e2.id]);
      expect(await list({ since: NOW + 2000 })).toEqual([e2.id, e3.id]);
      expect(await list({ until: NOW + 2000 })).toEqual([e1.id, e2.id]);
      expect(await list({ cursor: e1.id })).toEqual([e2.id, e3.id]);
      expect(await list({ limit: 2 })).toEqual([e1.id, e2.id]);
      expect(await list({ events: ['api.create', 'key.update'], actorId: 'rk_1', since: NOW + 1001, until: NOW + 3000 })).toEqual([e3.id]);
      expect(await store.listAudit({ workspaceId: stranger, limit: 100, resourceId: 'api_x' })).toEqual([foreign]);
    });
  });
}
