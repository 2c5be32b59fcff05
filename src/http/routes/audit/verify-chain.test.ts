import { describe, expect, it } from 'vitest';
import { runSql } from '../../../../test/raw-sql.js';
import { useTestServer } from '../../../../test/per-file-server.js';

const t = useTestServer();

/** A workspace with a few audited changes made through the API, and its records in chain order. */
async function audited() {
  const ws = await t.newWorkspace();
  for (const name of ['one', 'two', 'three']) {
    expect((await t.call('apis.createApi', { name }, { rootKey: ws.rootKey })).status).toBe(200);
  }
  const records = await t.server.store.listAuditChain(ws.workspaceId, 0, 100);
  // The bootstrap record, then one per API.
  expect(records.map((r) => r.chainSeq)).toEqual([1, 2, 3, 4]);
  return { ...ws, records };
}

const verifyAs = (rootKey: string) => t.call('audit.verifyChain', {}, { rootKey });

describe('audit.verifyChain', () => {
  describe('200', () => {
    it("an untouched chain is intact: every record checked, the last one's hash, and no break", async () => {
      const ws = await audited();
      const res = await verifyAs(ws.rootKey);
      expect(res.status).toBe(200);
      expect(res.body.meta.requestId).toMatch(/^req_/);
      expect(res.body.data).toEqual({ checked: 4, headHash: ws.records[3]!.chainHash });
      // Checking writes nothing: a second answer is the same.
      expect((await verifyAs(ws.rootKey)).body.data).toEqual(res.body.data);
    });

    it('a record changed in the database is named with the reason, and the records before it counted', async () => {
      const ws = await audited();
      const target = ws.records[2]!;
      await runSql(t.databaseUrl, 'UPDATE audit_logs SET description = ? WHERE id = ?', ['Nothing happened', target.id]);
      const res = await verifyAs(ws.rootKey);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        checked: 2,
        headHash: ws.records[1]!.chainHash,
        broken: { recordId: target.id, reason: 'its hash does not match its contents and the record before it: it was changed' },
      });
      // Another workspace's chain is its own: still intact.
      const other = await audited();
      expect((await verifyAs(other.rootKey)).body.data).toEqual({ checked: 4, headHash: other.records[3]!.chainHash });
    });

    it('a missing chain head is a break that names no record', async () => {
      const ws = await audited();
      await runSql(t.databaseUrl, 'DELETE FROM audit_chain_heads WHERE workspace_id = ?', [ws.workspaceId]);
      const res = await verifyAs(ws.rootKey);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        checked: 4,
        headHash: ws.records[3]!.chainHash,
        broken: { reason: "the workspace's chain head is missing" },
      });
    });
  });

  describe('400', () => {
    it.each([
      ['a field it does not take', { workspaceId: 'ws_other' }],
      ['a body that is not an object', [1]],
    ])('%s', async (_name, body) => {
      const res = await t.call('audit.verifyChain', body);
      expect(res.status).toBe(400);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/invalid_input');
    });
  });

  describe('401', () => {
    it('an unknown root key', async () => {
      const res = await t.call('audit.verifyChain', {}, { rootKey: 'kw_root_not_a_real_key' });
      expect(res.status).toBe(401);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authentication/key_not_found');
    });
  });

  describe('403', () => {
    it('a root key without audit.*.read_audit_log, which is what reading the log takes', async () => {
      for (const permissions of [[], ['api.*.read_api'], ['audit.*.*']]) {
        const key = await t.rootKeyWith(permissions);
        const res = await t.call('audit.verifyChain', {}, { rootKey: key });
        expect(res.status, JSON.stringify(permissions)).toBe(403);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
        expect(res.body.error.detail).toContain('audit.*.read_audit_log');
      }
      const auditor = await t.rootKeyWith(['audit.*.read_audit_log']);
      expect((await t.call('audit.verifyChain', {}, { rootKey: auditor })).status).toBe(200);
    });
  });
});
