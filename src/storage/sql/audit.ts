import { sql } from 'kysely';
import { auditChainHash, GENESIS_HASH } from '../../core/audit-chain.js';
import type { AuditChainHead, AuditEntry, AuditOps, AuditQuery, StoredAuditRecord } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { executeFixed, executeKeptPrepared, type Executor } from './shared.js';
import type { Tables } from './tables.js';

type AuditRow = Tables['audit_logs'];

/** Rows per INSERT on SQLite: 14 values each (PostgreSQL binds each column as one array). */
const SQLITE_ROWS_PER_INSERT = 500;

/**
 * Appends `entries` to their workspaces' chains (core/audit-chain.ts). Must run inside a transaction: the
 * upsert of the chain head row reads the previous hash and locks the row until commit (PostgreSQL: a row lock
 * that a concurrent writer of the same workspace, on any node, waits for and then reads past; SQLite: the
 * database write lock), so two writers never chain onto the same record. Workspaces are taken in id order, so
 * two transactions never wait for each other's heads. One SHA-256 per record.
 *
 * Every mutation of a workspace waits for that lock, and holds it until its commit: on PostgreSQL what follows the
 * head's upsert is therefore one statement (writeChainedPostgres), not three round trips.
 */
export async function appendAuditChain(db: Executor, dialect: SqlDialect, entries: readonly AuditEntry[]): Promise<void> {
  const byWorkspace = new Map<string, AuditEntry[]>();
  for (const entry of entries) {
    const list = byWorkspace.get(entry.workspaceId);
    if (list) list.push(entry);
    else byWorkspace.set(entry.workspaceId, [entry]);
  }
  const postgres = dialect.engine === 'postgres';
  for (const workspaceId of [...byWorkspace.keys()].sort()) {
    // A no-op update: it locks an existing head and returns it as the last writer committed it. Plain SQL rather
    // than the query builder: these statements run in every mutation, and building them cost more than running them.
    const head = (
      await executeKeptPrepared(
        db,
        dialect,
        sql<{ seq: number; hash: string }>`INSERT INTO audit_chain_heads (workspace_id, seq, hash, last_id)
        VALUES (${workspaceId}, 0, ${GENESIS_HASH}, NULL)
        ON CONFLICT (workspace_id) DO UPDATE SET seq = audit_chain_heads.seq RETURNING seq, hash`,
      )
    ).rows[0]!;
    let seq = Number(head.seq);
    let hash = head.hash;
    const workspaceEntries = byWorkspace.get(workspaceId)!;
    const rows: AuditRow[] = [];
    for (const entry of workspaceEntries) {
      const row = auditRow(entry);
      seq += 1;
      hash = auditChainHash(hash, seq, recordOf(row));
      rows.push({ ...row, chain_seq: seq, chain_hash: hash });
    }
    if (postgres) {
      await writeChainedPostgres(db, dialect, workspaceId, rows, resourceRows(workspaceEntries));
      continue;
    }
    // In slices: a group of transactions (docs/decisions/0032) may chain thousands of records, and SQLite binds at
    // most 32,766 values a statement.
    for (let i = 0; i < rows.length; i += SQLITE_ROWS_PER_INSERT) {
      const slice = rows.slice(i, i + SQLITE_ROWS_PER_INSERT);
      // One text per number of rows, built once (shared.ts, executeFixed): a group's records are one statement.
      await executeFixed(
        db,
        dialect,
        `audit_logs ${slice.length}`,
        () => db.insertInto('audit_logs').values(slice).compile(),
        slice.flatMap((row) => Object.values(row)),
      );
    }
    await sql`UPDATE audit_chain_heads SET seq = ${seq}, hash = ${hash}, last_id = ${rows[rows.length - 1]!.id}
      WHERE workspace_id = ${workspaceId}`.execute(db);
  }
  if (postgres) return;
  const resources = resourceRows(entries);
  for (let i = 0; i < resources.length; i += SQLITE_ROWS_PER_INSERT) {
    const slice = resources.slice(i, i + SQLITE_ROWS_PER_INSERT);
    await executeFixed(
      db,
      dialect,
      `audit_log_resources ${slice.length}`,
      () => db.insertInto('audit_log_resources').values(slice).compile(),
      slice.flatMap((row) => Object.values(row)),
    );
  }
}

/**
 * PostgreSQL: a workspace's chained records, their resources and its new head in one statement of one text for any
 * number of rows (each column bound as an array and unnested), kept prepared on every connection.
 */
async function writeChainedPostgres(
  db: Executor,
  dialect: SqlDialect,
  workspaceId: string,
  rows: AuditRow[],
  resources: Tables['audit_log_resources'][],
): Promise<void> {
  const column = <K extends keyof AuditRow>(name: K) => rows.map((row) => row[name]);
  const resource = <K extends keyof Tables['audit_log_resources']>(name: K) => resources.map((row) => row[name]);
  const last = rows[rows.length - 1]!;
  await executeKeptPrepared(
    db,
    dialect,
    sql`WITH logged AS (
        INSERT INTO audit_logs (id, workspace_id, event, "time", actor_type, actor_id, actor_name, description, resources,
          source_ip, user_agent, request_id, chain_seq, chain_hash)
        SELECT * FROM unnest(CAST(${column('id')} AS text[]), CAST(${column('workspace_id')} AS text[]),
          CAST(${column('event')} AS text[]), CAST(${column('time')} AS int8[]), CAST(${column('actor_type')} AS text[]),
          CAST(${column('actor_id')} AS text[]), CAST(${column('actor_name')} AS text[]), CAST(${column('description')} AS text[]),
          CAST(${column('resources')} AS text[]), CAST(${column('source_ip')} AS text[]), CAST(${column('user_agent')} AS text[]),
          CAST(${column('request_id')} AS text[]), CAST(${column('chain_seq')} AS int8[]), CAST(${column('chain_hash')} AS text[]))
      ), named AS (
        INSERT INTO audit_log_resources (audit_log_id, workspace_id, resource_type, resource_id)
        SELECT * FROM unnest(CAST(${resource('audit_log_id')} AS text[]), CAST(${resource('workspace_id')} AS text[]),
          CAST(${resource('resource_type')} AS text[]), CAST(${resource('resource_id')} AS text[]))
      )
      UPDATE audit_chain_heads SET seq = ${last.chain_seq}, hash = ${last.chain_hash}, last_id = ${last.id}
      WHERE workspace_id = ${workspaceId}`,
  );
}

/** The resource rows `entries` name, each resource once per record. */
function resourceRows(entries: readonly AuditEntry[]): Tables['audit_log_resources'][] {
  return entries.flatMap((entry) => {
    const seen = new Set<string>();
    return entry.resources.flatMap((r) => {
      const id = `${r.type}\u0000${r.id}`;
      if (seen.has(id)) return [];
      seen.add(id);
      return [{ audit_log_id: entry.id, workspace_id: entry.workspaceId, resource_type: r.type, resource_id: r.id }];
    });
  });
}

/** The row of an entry, before it has a place in the chain. */
function auditRow(entry: AuditEntry): AuditRow {
  return {
    id: entry.id,
    workspace_id: entry.workspaceId,
    event: entry.event,
    time: entry.time,
    actor_type: entry.actor.type,
    actor_id: entry.actor.id,
    actor_name: entry.actor.name ?? null,
    description: entry.description,
    resources: JSON.stringify(entry.resources),
    source_ip: entry.sourceIp,
    user_agent: entry.userAgent,
    request_id: entry.requestId,
    chain_seq: null,
    chain_hash: null,
  };
}

/** A stored row as the chain and `keyward audit verify` read it. */
export function recordOf(row: AuditRow): StoredAuditRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    event: row.event,
    time: Number(row.time),
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorName: row.actor_name,
    description: row.description,
    resources: row.resources,
    sourceIp: row.source_ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    chainSeq: row.chain_seq === null ? null : Number(row.chain_seq),
    chainHash: row.chain_hash,
  };
}

export function auditSql(db: Executor, dialect: SqlDialect): AuditOps {
  return {
    /** Call it inside a transaction (see appendAuditChain); the store routes every call there (sql-store.ts). */
    appendAudit(entry: AuditEntry): Promise<void> {
      return appendAuditChain(db, dialect, [entry]);
    },

    async listAuditChain(workspaceId: string, afterSeq: number, limit: number): Promise<StoredAuditRecord[]> {
      const rows = await db
        .selectFrom('audit_logs')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('chain_seq', '>', afterSeq)
        .orderBy('chain_seq')
        .limit(limit)
        .execute();
      return rows.map(recordOf);
    },

    async findUnchainedAudit(workspaceId: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('audit_logs')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where((eb) => eb.or([eb('chain_seq', 'is', null), eb('chain_hash', 'is', null)]))
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row?.id;
    },

    async findAuditChainHead(workspaceId: string): Promise<AuditChainHead | undefined> {
      const row = await db.selectFrom('audit_chain_heads').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
      return row && { workspaceId: row.workspace_id, seq: Number(row.seq), hash: row.hash, lastId: row.last_id };
    },

    async listAuditedWorkspaces(): Promise<string[]> {
      const rows = await db
        .selectFrom('audit_logs')
        .select('workspace_id')
        .union(db.selectFrom('audit_chain_heads').select('workspace_id'))
        .orderBy('workspace_id')
        .execute();
      return rows.map((r) => r.workspace_id);
    },

    async listAudit(q: AuditQuery): Promise<AuditEntry[]> {
      let query = db.selectFrom('audit_logs as l').selectAll('l').where('l.workspace_id', '=', q.workspaceId);
      if (q.events && q.events.length > 0) query = query.where('l.event', 'in', q.events);
      if (q.actorId !== undefined) query = query.where('l.actor_id', '=', q.actorId);
      if (q.since !== undefined) query = query.where('l.time', '>=', q.since);
      if (q.until !== undefined) query = query.where('l.time', '<=', q.until);
      const newestFirst = q.order === 'desc';
      if (q.cursor !== undefined) query = query.where('l.id', newestFirst ? '<' : '>', q.cursor);
      if (q.resourceId !== undefined) {
        const resourceId = q.resourceId;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('audit_log_resources as r')
              .select('r.audit_log_id')
              .whereRef('r.audit_log_id', '=', 'l.id')
              .where('r.workspace_id', '=', q.workspaceId)
              .where('r.resource_id', '=', resourceId),
          ),
        );
      }
      const rows = await query
        .orderBy('l.id', newestFirst ? 'desc' : 'asc')
        .limit(q.limit)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        workspaceId: row.workspace_id,
        event: row.event,
        time: Number(row.time),
        actor: { type: row.actor_type as AuditEntry['actor']['type'], id: row.actor_id, name: row.actor_name },
        description: row.description,
        resources: JSON.parse(row.resources) as AuditEntry['resources'],
        sourceIp: row.source_ip,
        userAgent: row.user_agent,
        requestId: row.request_id,
      }));
    },
  };
}
