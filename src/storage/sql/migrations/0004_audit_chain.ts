import { sql, type Kysely } from 'kysely';
import { auditChainHash, GENESIS_HASH } from '../../../core/audit-chain.js';
import { recordOf } from '../audit.js';

/**
 * The tamper-evident audit chain (core/audit-chain.ts): each record's position and hash, and one head row per
 * workspace that writers lock to append (storage/sql/audit.ts). Records written before this migration are
 * chained here, per workspace in id order (ids are time-ordered), so every record is covered and a record
 * without a position can only have been written past Keyward. The chain attests them from now on, not before.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>): Promise<void> {
  // Kysely runs PostgreSQL migrations in a transaction but not SQLite's; this one must not stop halfway (its
  // ALTERs would then fail on the retry), so on SQLite it opens its own.
  if (db.isTransaction) await chainAudit(db);
  else await db.transaction().execute(chainAudit);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
async function chainAudit(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_logs').addColumn('chain_seq', 'bigint').execute();
  await db.schema.alterTable('audit_logs').addColumn('chain_hash', 'text').execute();
  await db.schema
    .createTable('audit_chain_heads')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('last_id', 'text')
    .execute();
  await chainExistingRecords(db);
  // After the backfill: one index build rather than an index update per record.
  await db.schema.createIndex('audit_logs_chain').on('audit_logs').columns(['workspace_id', 'chain_seq']).unique().execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}

const PAGE = 500;

interface Head {
  workspaceId: string;
  seq: number;
  hash: string;
  lastId: string;
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
async function chainExistingRecords(db: Kysely<any>): Promise<void> {
  let head: Head | undefined;
  let after: { workspaceId: string; id: string } | undefined;
  for (;;) {
    let page = db.selectFrom('audit_logs').selectAll().orderBy('workspace_id').orderBy('id').limit(PAGE);
    if (after) {
      const { workspaceId, id } = after;
      page = page.where((eb) =>
        eb.or([eb('workspace_id', '>', workspaceId), eb.and([eb('workspace_id', '=', workspaceId), eb('id', '>', id)])]),
      );
    }
    const rows = await page.execute();
    if (rows.length === 0) break;
    const chained = [];
    for (const row of rows) {
      if (head && head.workspaceId !== row.workspace_id) await writeHead(db, head);
      const current: Head =
        head !== undefined && head.workspaceId === row.workspace_id
          ? head
          : { workspaceId: row.workspace_id, seq: 0, hash: GENESIS_HASH, lastId: row.id };
      head = current;
      current.seq += 1;
      // The same reading of a stored row as the store's (sql/audit.ts), so old and new records hash alike.
      current.hash = auditChainHash(current.hash, current.seq, recordOf(row as Parameters<typeof recordOf>[0]));
      current.lastId = row.id;
      chained.push(sql`(${row.id}, CAST(${current.seq} AS BIGINT), ${current.hash})`);
    }
    // One UPDATE joined to a VALUES list per page, as storage/sql/usage.ts writes usage.
    await sql`WITH v(id, seq, hash) AS (VALUES ${sql.join(chained)})
      UPDATE audit_logs SET chain_seq = v.seq, chain_hash = v.hash FROM v WHERE audit_logs.id = v.id`.execute(db);
    after = { workspaceId: head!.workspaceId, id: head!.lastId };
  }
  if (head) await writeHead(db, head);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
async function writeHead(db: Kysely<any>, head: Head): Promise<void> {
  await db
    .insertInto('audit_chain_heads')
    .values({ workspace_id: head.workspaceId, seq: head.seq, hash: head.hash, last_id: head.lastId })
    .execute();
}
