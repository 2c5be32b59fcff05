import { beforeAll, describe, expect, it } from 'vitest';
import { auditChainHash, GENESIS_HASH } from '../../core/audit-chain.js';
import { newId } from '../../core/ids.js';
import type { AuditEntry, NewKeyRow, Store } from '../store.js';
import { NOW, rootKeyRow, type StoreSuite } from './fixtures.js';
import { endpointRow } from './webhooks.suite.js';

export function transactionCases(suite: StoreSuite): void {
  describe('transactions', () => {
    const { newWorkspace, newApi, newKey, fixture } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('commits together and sees its own writes', async () => {
      const { workspaceId, key } = await store.transaction(async (tx) => {
        const ws = await newWorkspace(tx);
        const api = await newApi(ws, tx);
        const row = await newKey(ws, api.id, {}, tx);
        expect(await tx.findKey(ws, row.id)).toBeDefined();
        return { workspaceId: ws, key: row };
      });
      expect(await store.findKey(workspaceId, key.id)).toMatchObject({ id: key.id });
    });

    it('an error thrown after writes leaves nothing behind', async () => {
      const { workspaceId, apiId } = await fixture();
      const existing = await newKey(workspaceId, apiId, { remaining: 10 });
      const rootKey = rootKeyRow(workspaceId);
      let written: { wsId: string; apiId: string; key: NewKeyRow } | undefined;
      const failure = new Error('abort after writes');

      await expect(
        store.transaction(async (tx) => {
          const wsId = await newWorkspace(tx);
          const api = await newApi(wsId, tx);
          const key = await newKey(wsId, api.id, {}, tx);
          written = { wsId, apiId: api.id, key };
          await tx.insertRootKey({ ...rootKey, workspaceId: wsId });
          await tx.upsertIdentity(wsId, 'ghost', NOW);
          await tx.appendAudit({
            id: newId('auditLog', NOW),
            workspaceId: wsId,
            event: 'x.y',
            time: NOW,
            actor: { type: 'system', id: 'test' },
            description: 'never',
            resources: [{ type: 'api', id: api.id }],
            sourceIp: null,
            userAgent: null,
            requestId: null,
          });
          expect(await tx.changeCredits(existing.id, 'set', 99)).toBe(99);
          await tx.updateKey(existing.id, { name: 'never' }, NOW + 1);
          throw failure;
        }),
      ).rejects.toBe(failure);

      expect(written).toBeDefined();
      expect(await store.findApi(written!.wsId, written!.apiId)).toBeUndefined();
      expect(await store.findKeyByHash(written!.wsId, written!.key.hash)).toBeUndefined();
      expect(await store.findRootKeyByHash(rootKey.hash)).toBeUndefined();
      expect(await store.findIdentityIdByExternalId(written!.wsId, 'ghost')).toBeUndefined();
      expect(await store.listAudit({ workspaceId: written!.wsId, limit: 10 })).toEqual([]);
      expect(await store.findKey(workspaceId, existing.id)).toMatchObject({ remaining: 10, name: null, updatedAt: null });
      // The workspace id is free again, so the workspace row was rolled back too.
      await expect(store.insertWorkspace({ id: written!.wsId, name: 'again', enabled: true, createdAt: NOW })).resolves.toBeUndefined();
    });

    it('concurrent transactions: each commits with its audit record, and one that fails leaves nothing and fails alone', async () => {
      // On SQLite they commit together, each in a savepoint (sqlite/transaction-group.ts); on PostgreSQL one by one.
      const { workspaceId, apiId } = await fixture();
      const failure = new Error('this one fails');
      const audit = (description: string) => ({
        id: newId('auditLog', NOW),
        workspaceId,
        event: 'key.create',
        time: NOW,
        actor: { type: 'system' as const, id: 'test' },
        description,
        resources: [{ type: 'api', id: apiId }],
        sourceIp: null,
        userAgent: null,
        requestId: null,
      });
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          store.transaction(async (tx) => {
            const row = await newKey(workspaceId, apiId, { name: `concurrent ${i}` }, tx);
            await tx.appendAudit(audit(`created ${i}`));
            if (i === 2) throw failure;
            return row.id;
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect(results[2]).toMatchObject({ reason: failure });
      const listed = await store.listKeys({ workspaceId, apiId, limit: 10 });
      expect(listed.map((k) => k.name).sort()).toEqual(['concurrent 0', 'concurrent 1', 'concurrent 3', 'concurrent 4', 'concurrent 5']);
      const records = await store.listAuditChain(workspaceId, 0, 10);
      expect(records.map((r) => r.description).sort()).toEqual(['created 0', 'created 1', 'created 3', 'created 4', 'created 5']);
      // One unbroken chain: sequence numbers 1..5, the head at the last.
      expect(records.map((r) => r.chainSeq)).toEqual([1, 2, 3, 4, 5]);
      expect(await store.findAuditChainHead(workspaceId)).toMatchObject({ seq: 5, hash: records[4]!.chainHash, lastId: records[4]!.id });
    });

    it('one commit group: concurrent works each commit with their audit record, change and webhook event once, in one unbroken chain; a failing one fails alone', async () => {
      // On PostgreSQL they run in one transaction, a savepoint each, and their records are chained as the group ends
      // (postgres/transaction-group.ts); on SQLite every transaction is grouped anyway.
      const { workspaceId, apiId } = await fixture();
      const existing = await newKey(workspaceId, apiId);
      await store.createWebhookEndpoint({
        id: newId('webhookEndpoint', NOW),
        workspaceId,
        url: 'https://hooks.example.com/keyward',
        description: null,
        secret: 'whsec_c2VjcmV0',
        eventTypes: ['key.created'],
        enabled: true,
        createdAt: NOW,
        updatedAt: null,
      });
      const before = await store.lastChangeSeq();
      const failure = new Error('this one throws');
      const audit = (description: string): AuditEntry => ({
        id: newId('auditLog', NOW),
        workspaceId,
        event: 'key.create',
        time: NOW,
        actor: { type: 'system', id: 'test' },
        description,
        resources: [{ type: 'api', id: apiId }],
        sourceIp: null,
        userAgent: null,
        requestId: null,
      });
      const count = 24;
      const results = await Promise.allSettled(
        Array.from({ length: count }, (_, i) =>
          store.transaction(
            async (tx) => {
              // 5: a statement that fails (a duplicate id), which aborts a PostgreSQL transaction but for its savepoint.
              const row = await newKey(workspaceId, apiId, i === 5 ? { id: existing.id } : { name: `grouped ${i}` }, tx);
              await tx.appendAudit(audit(`created ${i}`));
              await tx.logChanges([{ kind: 'key', workspaceId, hash: row.hash }], NOW);
              if (i === 2) throw failure;
              return row.hash;
            },
            { commitGroup: workspaceId },
          ),
        ),
      );
      const failed = [2, 5];
      expect(results.map((r, i) => [i, r.status])).toEqual(results.map((_, i) => [i, failed.includes(i) ? 'rejected' : 'fulfilled']));
      expect(results[2]).toMatchObject({ reason: failure });
      const succeeded = Array.from({ length: count }, (_, i) => i).filter((i) => !failed.includes(i));

      const listed = await store.listKeys({ workspaceId, apiId, limit: 100 });
      expect(
        listed
          .filter((k) => k.id !== existing.id)
          .map((k) => k.name)
          .sort(),
      ).toEqual(succeeded.map((i) => `grouped ${i}`).sort());
      // Each record once, chained 1..n with hashes that verify, and the head at the last.
      const records = await store.listAuditChain(workspaceId, 0, 100);
      expect(records.map((r) => r.description).sort()).toEqual(succeeded.map((i) => `created ${i}`).sort());
      let previous = GENESIS_HASH;
      records.forEach((record, i) => {
        expect(record.chainSeq).toBe(i + 1);
        expect(record.chainHash).toBe(auditChainHash(previous, i + 1, record));
        previous = record.chainHash!;
      });
      expect(await store.findAuditChainHead(workspaceId)).toMatchObject({ seq: succeeded.length, hash: previous });
      // One webhook delivery per record, and one logged change per created key.
      expect(await store.listWebhookDeliveries({ workspaceId, limit: 100 })).toHaveLength(succeeded.length);
      const changes = await store.listChanges(before, [], 100);
      expect(changes.map((c) => c.hash).sort()).toEqual(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])).sort());
    });

    it('a work of a commit group may not change webhook endpoints: its events would be queued at the end of the group', async () => {
      const { workspaceId } = await fixture();
      await expect(
        store.transaction((tx) => tx.createWebhookEndpoint(endpointRow(workspaceId)), { commitGroup: workspaceId }),
      ).rejects.toThrow(/not changed in a grouped transaction/);
      expect(await store.listWebhookEndpoints({ workspaceId, limit: 10 })).toEqual([]);
    });
  });
}
