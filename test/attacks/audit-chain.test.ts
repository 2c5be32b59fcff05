import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { verifyAuditChain } from '../../src/services/audit-chain.js';
import { openSqlStore } from '../../src/storage/sql/sql-store.js';
import type { Store, StoredAuditRecord } from '../../src/storage/store.js';
import { newApi, newKey } from '../key-fixtures.js';
import { useTestServer } from '../per-file-server.js';
import { runSql } from '../raw-sql.js';
import { KEYWARD_ENTRY } from '../keyward-entry.js';

/**
 * Someone with write access to the database rewrites history: edits an audit record, deletes one (in the middle
 * or the last), or slips in one of their own. Each audit record is chained to the one before it in its workspace
 * (src/core/audit-chain.ts), and `keyward audit verify` (the real entry point, on the server's own database)
 * names the first record that does not fit and exits 1. Writers on several nodes at once never fork the chain.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const t = useTestServer();

function keyward(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { KEYWARD_DATABASE_URL: t.databaseUrl };
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('KEYWARD_')) env[name] = value;
  return new Promise((resolve) => {
    execFile(process.execPath, [...KEYWARD_ENTRY, ...args], { cwd: ROOT, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** `keyward audit verify --workspace <id>`, expecting `code`; the child's stderr is shown when the code differs. */
async function verify(workspaceId: string, code: number): Promise<string> {
  const run = await keyward('audit', 'verify', '--workspace', workspaceId);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code, stderr: '' });
  return run.stdout;
}

/** The same check in this process (services/audit-chain.ts), for the cases past the first of each kind: a CLI run costs seconds. */
const check = (workspaceId: string) => verifyAuditChain(t.server.store, workspaceId);

/** A workspace with a handful of audited changes made through the API; its records in chain order. */
async function auditedWorkspace(): Promise<{ workspaceId: string; records: StoredAuditRecord[] }> {
  const { workspaceId, rootKey } = await t.newWorkspace();
  const apiId = await newApi(t, rootKey);
  const { keyId } = await newKey(t, { apiId, name: 'one' }, rootKey);
  await newKey(t, { apiId, name: 'two' }, rootKey);
  expect((await t.call('keys.updateKey', { keyId, enabled: false }, { rootKey })).status).toBe(200);
  const records = await t.server.store.listAuditChain(workspaceId, 0, 100);
  expect(records.map((r) => r.chainSeq)).toEqual([1, 2, 3, 4, 5]);
  return { workspaceId, records };
}

describe('audit chain: `keyward audit verify` names a record changed, deleted or inserted in the database', { timeout: 180_000 }, () => {
  it('an untouched chain is intact (exit 0), for one workspace and for all', async () => {
    const { workspaceId, records } = await auditedWorkspace();
    expect(await verify(workspaceId, 0)).toBe(`${workspaceId}: intact, 5 record(s), last hash ${records[4]!.chainHash}\n`);
    const all = await keyward('audit', 'verify', '--json');
    expect(all.code).toBe(0);
    const reports = JSON.parse(all.stdout) as { workspaceId: string; broken?: unknown }[];
    expect(reports.map((r) => r.workspaceId)).toEqual(expect.arrayContaining([t.workspaceId, workspaceId]));
    expect(reports.filter((r) => r.broken)).toEqual([]);
  });

  it('an edited record is named; put back as it was, the chain is intact again', async () => {
    const { workspaceId, records } = await auditedWorkspace();
    const target = records[2]!;
    await runSql(t.databaseUrl, 'UPDATE audit_logs SET description = ? WHERE id = ?', ['Nothing happened', target.id]);
    expect(await verify(workspaceId, 1)).toBe(
      `${workspaceId}: BROKEN at record ${target.id}: its hash does not match its contents and the record before it: it was changed ` +
        '(2 record(s) before it are intact)\n',
    );
    // A record given another hash as well is still named: its hash must follow from the record before it.
    await runSql(t.databaseUrl, 'UPDATE audit_logs SET chain_hash = ? WHERE id = ?', ['0'.repeat(64), target.id]);
    expect((await check(workspaceId)).broken?.recordId).toBe(target.id);
    await runSql(t.databaseUrl, 'UPDATE audit_logs SET description = ?, chain_hash = ? WHERE id = ?', [
      target.description,
      target.chainHash,
      target.id,
    ]);
    expect(await check(workspaceId)).toEqual({ workspaceId, checked: 5, headHash: records[4]!.chainHash });
  });

  it('a record deleted from the middle is found at the record after it', async () => {
    const { workspaceId, records } = await auditedWorkspace();
    await runSql(t.databaseUrl, 'DELETE FROM audit_logs WHERE id = ?', [records[1]!.id]);
    expect(await verify(workspaceId, 1)).toBe(
      `${workspaceId}: BROKEN at record ${records[2]!.id}: it is at chain position 3 where 2 was expected: ` +
        'the record(s) before it were deleted (1 record(s) before it are intact)\n',
    );
  });

  it('the last record deleted is named by the chain head', async () => {
    const { workspaceId, records } = await auditedWorkspace();
    await runSql(t.databaseUrl, 'DELETE FROM audit_logs WHERE id = ?', [records[4]!.id]);
    expect((await check(workspaceId)).broken).toEqual({
      recordId: records[4]!.id,
      reason: 'the chain ends at position 4, but its head says 5: the last record(s) were deleted',
    });
  });

  it('a record inserted past Keyward is named, with or without a chain position', async () => {
    const { workspaceId, records } = await auditedWorkspace();
    const forged = newId('auditLog', records[0]!.time);
    const insert =
      'INSERT INTO audit_logs (id, workspace_id, event, time, actor_type, actor_id, description, resources, chain_seq, chain_hash) ' +
      "VALUES (?, ?, 'key.create', ?, 'system', 'cli', 'forged', '[]', ?, ?)";
    await runSql(t.databaseUrl, insert, [forged, workspaceId, records[0]!.time, null, null]);
    expect((await check(workspaceId)).broken).toEqual({
      recordId: forged,
      reason: 'it has no place in the chain: it was written past Keyward',
    });
    await runSql(t.databaseUrl, 'DELETE FROM audit_logs WHERE id = ?', [forged]);
    await runSql(t.databaseUrl, insert, [forged, workspaceId, records[0]!.time, 6, records[4]!.chainHash]);
    expect((await check(workspaceId)).broken?.recordId).toBe(forged);
  });

  it('an unknown workspace is an error (exit 1), not an intact chain', async () => {
    const run = await keyward('audit', 'verify', '--workspace', 'ws_nope');
    expect(run).toMatchObject({ code: 1, stderr: 'keyward: no workspace "ws_nope"\n' });
  });
});

/**
 * PostgreSQL is the many-node engine: each node here is a store with its own connection pool. On SQLite (one node)
 * the server's writers share one connection, which the conformance suite's concurrent case covers
 * (src/storage/suite/audit.suite.ts); a CLI process writing beside the server is serialised by SQLite's write lock,
 * which the head upsert takes before it reads the previous hash. Two SQLite stores cannot stand in for two
 * processes here: better-sqlite3 waits for a lock synchronously, blocking the event loop the holder needs to commit.
 */
describe('audit chain: writers on many nodes at once never fork it', { timeout: 120_000 }, () => {
  it.runIf(process.env.KEYWARD_TEST_ENGINE === 'postgres')(
    '4 nodes x 25 concurrent mutations of one workspace chain 100 records: no gap, no fork',
    async () => {
      const { workspaceId } = await t.newWorkspace();
      const nodes: Store[] = await Promise.all(Array.from({ length: 4 }, () => openSqlStore(t.databaseUrl)));
      try {
        // Each node runs its 25 writes 8 at a time: 32 transactions of four nodes in flight at once still race for the
        // chain's head, and the test holds 32 of the shared PostgreSQL's connections, not 4 pools' 80 (with the other
        // test files' connections, 80 passed max_connections' 100 in CI: "sorry, too many clients already").
        const writes = nodes.flatMap((node, n) =>
          inLanes(8, 25, (i) =>
            node.transaction(async (tx) => {
              await tx.appendAudit({
                id: newId('auditLog', Date.now()),
                workspaceId,
                event: 'key.update',
                time: Date.now(),
                actor: { type: 'system', id: `node ${n}` },
                description: `write ${i} of node ${n}`,
                resources: [{ type: 'key', id: `key_${n}_${i}` }],
                sourceIp: null,
                userAgent: null,
                requestId: null,
              });
            }),
          ),
        );
        await Promise.all(writes);
      } finally {
        await Promise.all(nodes.map((node) => node.close()));
      }
      const records = await t.server.store.listAuditChain(workspaceId, 0, 1_000);
      // The workspace's bootstrap record, then every write, each at its own position.
      const written = 100;
      expect(records.map((r) => r.chainSeq)).toEqual(Array.from({ length: written + 1 }, (_, i) => i + 1));
      expect(await verifyAuditChain(t.server.store, workspaceId)).toEqual({
        workspaceId,
        checked: written + 1,
        headHash: records[written]!.chainHash,
      });
    },
  );
});

/** Runs `count` tasks, at most `lanes` at a time, each lane taking the next index when its task ends. */
function inLanes(lanes: number, count: number, task: (index: number) => Promise<unknown>): Promise<void>[] {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  return Array.from({ length: lanes }, lane);
}
