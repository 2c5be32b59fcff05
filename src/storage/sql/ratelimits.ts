import { newId } from '../../core/ids.js';
import type {
  NewRatelimit,
  NewRatelimitOverride,
  PageQuery,
  RatelimitNamespaceRecord,
  RatelimitOps,
  RatelimitOverrideRecord,
} from '../store.js';
import type { SqlDialect } from './dialect.js';
import { num, pageAfter, softDelete, type Executor } from './shared.js';
import type { Tables } from './tables.js';

function namespaceFromRow(row: Tables['ratelimit_namespaces']): RatelimitNamespaceRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    createdAt: Number(row.created_at),
    updatedAt: num(row.updated_at),
    deletedAt: num(row.deleted_at),
  };
}

function overrideFromRow(row: Tables['ratelimit_overrides']): RatelimitOverrideRecord {
  return {
    id: row.id,
    namespaceId: row.namespace_id,
    identifier: row.identifier,
    limit: Number(row.limit),
    duration: Number(row.duration),
    createdAt: Number(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

/** A key's or an identity's limits replaced by name; an upsert on (owner, name) keeps the ids of listed names. */
export async function replaceRatelimits(
  db: Executor,
  workspaceId: string,
  owner: 'key_id' | 'identity_id',
  ownerId: string,
  limits: NewRatelimit[],
  now: number,
): Promise<void> {
  const names = limits.map((l) => l.name);
  let removal = db.deleteFrom('ratelimits').where(owner, '=', ownerId);
  if (names.length > 0) removal = removal.where('name', 'not in', names);
  await removal.execute();
  for (const limit of limits) {
    await db
      .insertInto('ratelimits')
      .values({
        id: limit.id,
        workspace_id: workspaceId,
        key_id: null,
        identity_id: null,
        [owner]: ownerId,
        name: limit.name,
        limit: limit.limit,
        duration: limit.duration,
        auto_apply: limit.autoApply ? 1 : 0,
        created_at: now,
        updated_at: null,
      })
      .onConflict((oc) =>
        oc.columns([owner, 'name']).doUpdateSet({
          limit: limit.limit,
          duration: limit.duration,
          auto_apply: limit.autoApply ? 1 : 0,
          updated_at: now,
        }),
      )
      .execute();
  }
}

export function ratelimitSql(db: Executor, dialect: SqlDialect): RatelimitOps {
  return {
    async findRatelimitNamespace(workspaceId: string, idOrName: string): Promise<RatelimitNamespaceRecord | undefined> {
      // The namespace with this id (live or deleted) and the live one with this name: one query, each half
      // served by an index (the primary key; the partial unique index on live names). Live wins.
      const rows = await db
        .selectFrom('ratelimit_namespaces')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.and([eb('id', '=', idOrName), eb('workspace_id', '=', workspaceId)]),
            eb.and([eb('workspace_id', '=', workspaceId), eb('name', '=', idOrName), eb('deleted_at', 'is', null)]),
          ]),
        )
        .execute();
      const found = rows.find((row) => row.deleted_at === null) ?? rows[0];
      if (found) return namespaceFromRow(found);
      // Only a name that is new, or was used by deleted namespaces alone, gets here (no index covers deleted names).
      const deleted = await db
        .selectFrom('ratelimit_namespaces')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('name', '=', idOrName)
        .where('deleted_at', 'is not', null)
        .orderBy('deleted_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return deleted ? namespaceFromRow(deleted) : undefined;
    },

    async createRatelimitNamespace(
      workspaceId: string,
      name: string,
      now: number,
    ): Promise<{ namespace: RatelimitNamespaceRecord; created: boolean }> {
      const id = newId('ratelimitNamespace', now);
      await db
        .insertInto('ratelimit_namespaces')
        .values({ id, workspace_id: workspaceId, name, created_at: now, updated_at: null, deleted_at: null })
        .onConflict((oc) => oc.columns(['workspace_id', 'name']).where('deleted_at', 'is', null).doNothing())
        .execute();
      const row = await db
        .selectFrom('ratelimit_namespaces')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('name', '=', name)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!row) throw new Error('namespace create found no live row');
      return { namespace: namespaceFromRow(row), created: row.id === id };
    },

    async listRatelimitNamespaces(q: PageQuery): Promise<RatelimitNamespaceRecord[]> {
      const rows = await db
        .selectFrom('ratelimit_namespaces')
        .selectAll()
        .where('workspace_id', '=', q.workspaceId)
        .where('deleted_at', 'is', null)
        .$call(pageAfter(q))
        .execute();
      return rows.map(namespaceFromRow);
    },

    async renameRatelimitNamespace(
      workspaceId: string,
      namespaceId: string,
      name: string,
      now: number,
    ): Promise<'renamed' | 'name_taken' | 'not_found'> {
      const taken = await db
        .selectFrom('ratelimit_namespaces')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('name', '=', name)
        .where('deleted_at', 'is', null)
        .where('id', '!=', namespaceId)
        .executeTakeFirst();
      if (taken) return 'name_taken';
      try {
        const result = await db
          .updateTable('ratelimit_namespaces')
          .set({ name, updated_at: now })
          .where('id', '=', namespaceId)
          .where('workspace_id', '=', workspaceId)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0 ? 'renamed' : 'not_found';
      } catch (error) {
        // A concurrent rename took the name after the check (the partial unique index refused ours).
        if (dialect.isUniqueViolation(error)) return 'name_taken';
        throw error;
      }
    },

    softDeleteRatelimitNamespace(workspaceId: string, namespaceId: string, now: number): Promise<boolean> {
      return softDelete(db, 'ratelimit_namespaces', workspaceId, namespaceId, now);
    },

    async upsertRatelimitOverride(
      row: NewRatelimitOverride,
      now: number,
    ): Promise<{ override: RatelimitOverrideRecord; created: boolean } | undefined> {
      // Writing the namespace row first holds its row lock (PostgreSQL) until the transaction ends, so
      // concurrent upserts into one namespace queue up instead of both inserting: the table has no unique
      // index on (namespace, identifier). SQLite runs one write transaction at a time anyway.
      const touched = await db
        .updateTable('ratelimit_namespaces')
        .set({ updated_at: now })
        .where('id', '=', row.namespaceId)
        .where('workspace_id', '=', row.workspaceId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (Number(touched.numUpdatedRows) === 0) return undefined;
      const existing = await db
        .selectFrom('ratelimit_overrides')
        .selectAll()
        .where('namespace_id', '=', row.namespaceId)
        .where('identifier', '=', row.identifier)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (existing) {
        await db
          .updateTable('ratelimit_overrides')
          .set({ limit: row.limit, duration: row.duration, updated_at: now })
          .where('id', '=', existing.id)
          .execute();
        return { override: { ...overrideFromRow(existing), limit: row.limit, duration: row.duration, updatedAt: now }, created: false };
      }
      const override: RatelimitOverrideRecord = {
        id: newId('ratelimitOverride', now),
        namespaceId: row.namespaceId,
        identifier: row.identifier,
        limit: row.limit,
        duration: row.duration,
        createdAt: now,
        updatedAt: null,
      };
      await db
        .insertInto('ratelimit_overrides')
        .values({
          id: override.id,
          workspace_id: row.workspaceId,
          namespace_id: row.namespaceId,
          identifier: row.identifier,
          limit: row.limit,
          duration: row.duration,
          created_at: now,
          updated_at: null,
          deleted_at: null,
        })
        .execute();
      return { override, created: true };
    },

    async findRatelimitOverrideCandidates(
      workspaceId: string,
      namespaceId: string,
      identifiers: readonly string[],
    ): Promise<RatelimitOverrideRecord[]> {
      const rows = await db
        .selectFrom('ratelimit_overrides')
        .selectAll()
        .where('namespace_id', '=', namespaceId)
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        // `*` is not special to LIKE, so this keeps exactly the patterns.
        .where((eb) => eb.or([eb('identifier', 'like', '%*%'), ...(identifiers.length > 0 ? [eb('identifier', 'in', identifiers)] : [])]))
        .orderBy('id')
        .execute();
      return rows.map(overrideFromRow);
    },

    async listRatelimitOverrides(q: PageQuery & { namespaceId: string }): Promise<RatelimitOverrideRecord[]> {
      const rows = await db
        .selectFrom('ratelimit_overrides')
        .selectAll()
        .where('namespace_id', '=', q.namespaceId)
        .where('workspace_id', '=', q.workspaceId)
        .where('deleted_at', 'is', null)
        .$call(pageAfter(q))
        .execute();
      return rows.map(overrideFromRow);
    },

    softDeleteRatelimitOverride(workspaceId: string, overrideId: string, now: number): Promise<boolean> {
      return softDelete(db, 'ratelimit_overrides', workspaceId, overrideId, now);
    },
  };
}
