import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { freshDatabase, type EngineName } from '../../../../test/harness.js';
import { newId } from '../../../core/ids.js';
import { verifyAuditChain } from '../../../services/audit-chain.js';
import { openDatabase } from '../dialect.js';
import { migrateToLatest } from '../migrate.js';
import { openSqlStore } from '../sql-store.js';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_ratelimit_indexes.js';

/**
 * Records written before the chain existed are chained by the migration, per workspace in id order, so
 * `keyward audit verify` covers them and new records continue their chain. 612 records cross the migration's
 * 500-row pages, one workspace's records spanning two pages.
 */
for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`migration 0004 chains existing audit records (${engine})`, () => {
    it('every record of every workspace gets its place, and the chain goes on from there', { timeout: 120_000 }, async () => {
      const { url, drop } = await freshDatabase(engine);
      try {
        const { db, dialect } = openDatabase(url);
        const migrationTableSchema = await dialect.currentSchema(db);
        const before = new Migrator({
          db,
          provider: { getMigrations: async () => ({ '0001_initial': m0001, '0002_ratelimit_indexes': m0002 }) },
          ...(migrationTableSchema ? { migrationTableSchema } : {}),
        });
        expect((await before.migrateToLatest()).error).toBeUndefined();
        const counts = { ws_a: 550, ws_b: 2, ws_c: 60 };
        for (const [workspaceId, count] of Object.entries(counts)) {
          const rows = Array.from({ length: count }, (_, i) => ({
            id: newId('auditLog', 1_700_000_000_000 + i),
            workspace_id: workspaceId,
            event: 'key.update',
            time: 1_700_000_000_000 + i,
            actor_type: 'root_key',
            actor_id: 'rk_x',
            actor_name: i % 2 ? null : 'ünïcode ✓',
            description: `change ${i}`,
            resources: '[{"type":"key","id":"key_x"}]',
            source_ip: i % 3 ? null : '192.0.2.1',
            user_agent: null,
            request_id: `req_${i}`,
          }));
          for (let i = 0; i < rows.length; i += 100)
            await db
              .insertInto('audit_logs')
              .values(rows.slice(i, i + 100))
              .execute();
        }
        if (engine === 'sqlite') {
          // A backfill that fails halfway leaves nothing behind (Kysely runs SQLite migrations without a
          // transaction; this one opens its own), so the next start applies it from the beginning.
          await sql`CREATE TRIGGER refuse_chain BEFORE UPDATE ON audit_logs WHEN NEW.workspace_id = 'ws_c'
            BEGIN SELECT RAISE(ABORT, 'chaining refused'); END`.execute(db);
          await expect(migrateToLatest(db, dialect)).rejects.toThrow('chaining refused');
          await sql`DROP TRIGGER refuse_chain`.execute(db);
        }
        expect(await migrateToLatest(db, dialect)).toContain('0004_audit_chain');
        await db.destroy();

        const store = await openSqlStore(url);
        try {
          for (const [workspaceId, count] of Object.entries(counts)) {
            const report = await verifyAuditChain(store, workspaceId);
            expect(report).toMatchObject({ workspaceId, checked: count });
            expect(report.broken).toBeUndefined();
          }
          await store.appendAudit({
            id: newId('auditLog', Date.now()),
            workspaceId: 'ws_b',
            event: 'key.create',
            time: Date.now(),
            actor: { type: 'system', id: 'cli' },
            description: 'after the migration',
            resources: [],
            sourceIp: null,
            userAgent: null,
            requestId: null,
          });
          expect(await verifyAuditChain(store, 'ws_b')).toMatchObject({ checked: 3 });
          expect((await store.listAuditChain('ws_b', 2, 10)).map((r) => [r.chainSeq, r.description])).toEqual([[3, 'after the migration']]);
        } finally {
          await store.close();
        }
      } finally {
        await drop();
      }
    });
  });
}
