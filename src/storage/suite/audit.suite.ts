import { beforeAll, describe, expect, it } from 'vitest';
import { auditChainHash, GENESIS_HASH } from '../../core/audit-chain.js';
import { newId } from '../../core/ids.js';
import type { AuditEntry, Store, StoredAuditRecord } from '../store.js';
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

    it('lists newest first with order desc, its cursor reading the records before it, with every filter', async () => {
      const workspaceId = await newWorkspace();
      const stranger = await newWorkspace();
      const entry = (ws: string, offset: number, actorId: string): AuditEntry => ({
        id: newId('auditLog', NOW + offset),
        workspaceId: ws,
        event: offset % 2000 === 0 ? 'key.update' : 'api.create',
        time: NOW + offset,
        actor: { type: 'root_key', id: actorId, name: null },
        description: `record ${offset}`,
        resources: [{ type: 'key', id: offset <= 2000 ? 'key_early' : 'key_late' }],
        sourceIp: null,
        userAgent: null,
        requestId: null,
      });
      const [e1, e2, e3, e4] = [1000, 2000, 3000, 4000].map((offset) => entry(workspaceId, offset, offset === 3000 ? 'rk_b' : 'rk_a'));
      // The stranger's record sits between them in id order: a cursor never crosses into it.
      for (const e of [e1!, e2!, entry(stranger, 2500, 'rk_a'), e3!, e4!]) await store.appendAudit(e);
      const list = async (q: Partial<Parameters<Store['listAudit']>[0]>) =>
        (await store.listAudit({ workspaceId, limit: 100, order: 'desc', ...q })).map((e) => e.id);

      expect(await list({})).toEqual([e4!.id, e3!.id, e2!.id, e1!.id]);
      expect(await list({ order: 'asc' })).toEqual([e1!.id, e2!.id, e3!.id, e4!.id]);
      expect(await list({ limit: 2 })).toEqual([e4!.id, e3!.id]);
      expect(await list({ cursor: e3!.id })).toEqual([e2!.id, e1!.id]);
      expect(await list({ cursor: e3!.id, order: 'asc' })).toEqual([e4!.id]);
      expect(await list({ cursor: e1!.id })).toEqual([]);
      expect(await list({ actorId: 'rk_a' })).toEqual([e4!.id, e2!.id, e1!.id]);
      expect(await list({ events: ['key.update'] })).toEqual([e4!.id, e2!.id]);
      expect(await list({ resourceId: 'key_early' })).toEqual([e2!.id, e1!.id]);
      expect(await list({ since: NOW + 2000, until: NOW + 3000 })).toEqual([e3!.id, e2!.id]);
      expect(await list({ actorId: 'rk_a', cursor: e4!.id, limit: 1 })).toEqual([e2!.id]);
    });

    const record = (workspaceId: string, description: string): AuditEntry => ({
      id: newId('auditLog', NOW),
      workspaceId,
      event: 'key.update',
      time: NOW,
      actor: { type: 'system', id: 'cli', name: null },
      description,
      resources: [{ type: 'key', id: 'key_x', name: 'ünïcode ✓' }],
      sourceIp: null,
      userAgent: 'curl/8',
      requestId: 'req_1',
    });
    /** Every record of the workspace by chain position, each hash recomputed from the one before (core/audit-chain.ts). */
    const recomputed = async (workspaceId: string): Promise<{ records: StoredAuditRecord[]; intact: boolean }> => {
      const records = await store.listAuditChain(workspaceId, 0, 10_000);
      let previous = GENESIS_HASH;
      let intact = true;
      records.forEach((r, i) => {
        intact &&= r.chainSeq === i + 1 && auditChainHash(previous, i + 1, r) === r.chainHash;
        previous = r.chainHash ?? '';
      });
      return { records, intact };
    };

    it("chains each workspace's records in the order they commit, with a head naming the last one", async () => {
      const workspaceId = await newWorkspace();
      const other = await newWorkspace();
      await store.appendAudit(record(workspaceId, 'first'));
      // One transaction writing to two workspaces, the second one first: each gets its own chain.
      await store.transaction(async (tx) => {
        await tx.appendAudit(record(other, 'other first'));
        await tx.appendAudit(record(workspaceId, 'second'));
        await tx.appendAudit(record(workspaceId, 'third'));
      });
      const { records, intact } = await recomputed(workspaceId);
      expect(intact).toBe(true);
      expect(records.map((r) => [r.chainSeq, r.description])).toEqual([
        [1, 'first'],
        [2, 'second'],
        [3, 'third'],
      ]);
      expect(records[0]).toMatchObject({
        actorName: null,
        sourceIp: null,
        userAgent: 'curl/8',
        resources: JSON.stringify(record('', '').resources),
      });
      expect(await store.findAuditChainHead(workspaceId)).toEqual({
        workspaceId,
        seq: 3,
        hash: records[2]!.chainHash,
        lastId: records[2]!.id,
      });
      expect((await recomputed(other)).records.map((r) => [r.chainSeq, r.description])).toEqual([[1, 'other first']]);
      expect(await store.listAuditChain(workspaceId, 1, 1)).toEqual([records[1]]);
      expect(await store.findUnchainedAudit(workspaceId)).toBeUndefined();
      expect(await store.listAuditedWorkspaces()).toEqual(expect.arrayContaining([workspaceId, other]));
      expect(await store.findAuditChainHead(await newWorkspace())).toBeUndefined();
    });

    it('a rolled-back transaction leaves the chain where it was', async () => {
      const workspaceId = await newWorkspace();
      await store.appendAudit(record(workspaceId, 'kept'));
      const head = await store.findAuditChainHead(workspaceId);
      await expect(
        store.transaction(async (tx) => {
          await tx.appendAudit(record(workspaceId, 'never'));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store.findAuditChainHead(workspaceId)).toEqual(head);
      await store.appendAudit(record(workspaceId, 'next'));
      const { records, intact } = await recomputed(workspaceId);
      expect(intact).toBe(true);
      expect(records.map((r) => r.description)).toEqual(['kept', 'next']);
    });

    it('concurrent transactions of one workspace each get their own position: no gap, no fork', async () => {
      const workspaceId = await newWorkspace();
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.transaction(async (tx) => {
            await newWorkspace(tx);
            await tx.appendAudit(record(workspaceId, `concurrent ${i}`));
          }),
        ),
      );
      const { records, intact } = await recomputed(workspaceId);
      expect(intact).toBe(true);
      expect(records).toHaveLength(40);
      expect(new Set(records.map((r) => r.description)).size).toBe(40);
    });
  });
}
