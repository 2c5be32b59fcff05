import { sql } from 'kysely';
import { newId } from '../../core/ids.js';
import type { IdentityListQuery, IdentityOps, IdentityRecord, Meta, NewRatelimit } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { replaceRatelimits } from './ratelimits.js';
import { containsPattern, parseJson, ratelimitJson, ratelimitsFrom, toJson, type Executor } from './shared.js';
import type { Tables } from './tables.js';

/** Live identities with their limits, in one statement; callers append `AND ...` filters. */
function identitySelectSql(d: SqlDialect): string {
  return `SELECT i.id, i.external_id, i.meta,
      (SELECT ${d.jsonArrayAgg(ratelimitJson(d))} FROM ratelimits r WHERE r.identity_id = i.id) AS ratelimits
    FROM identities i
    WHERE i.deleted_at IS NULL`;
}

interface IdentityRow {
  id: string;
  external_id: string;
  meta: string | null;
  ratelimits: unknown;
}

const identityFromRow = (row: IdentityRow): IdentityRecord => ({
  id: row.id,
  externalId: row.external_id,
  meta: parseJson<Meta>(row.meta),
  ratelimits: ratelimitsFrom(row.ratelimits),
});

export function identitySql(db: Executor, dialect: SqlDialect): IdentityOps {
  const identitySelect = identitySelectSql(dialect);
  const ops: IdentityOps = {
    async upsertIdentity(workspaceId: string, externalId: string, now: number): Promise<string> {
      await db
        .insertInto('identities')
        .values({
          id: newId('identity', now),
          workspace_id: workspaceId,
          external_id: externalId,
          environment: 'default',
          meta: '{}',
          created_at: now,
          updated_at: null,
          deleted_at: null,
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).where('deleted_at', 'is', null).doNothing())
        .execute();
      const id = await ops.findIdentityIdByExternalId(workspaceId, externalId);
      if (!id) throw new Error('identity upsert found no live row');
      return id;
    },

    async findIdentityIdByExternalId(workspaceId: string, externalId: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('identities')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('external_id', '=', externalId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return row?.id;
    },

    async insertIdentity(row: Parameters<IdentityOps['insertIdentity']>[0]): Promise<boolean> {
      // DO NOTHING on the live-externalId index rather than catching the violation: a failed statement would abort
      // a PostgreSQL transaction, and the caller wants to answer 409 from inside its own.
      const result = await db
        .insertInto('identities')
        .values({
          id: row.id,
          workspace_id: row.workspaceId,
          external_id: row.externalId,
          environment: 'default',
          meta: toJson(row.meta),
          created_at: row.createdAt,
          updated_at: null,
          deleted_at: null,
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).where('deleted_at', 'is', null).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async findIdentity(workspaceId: string, idOrExternalId: string): Promise<IdentityRecord | undefined> {
      // An externalId may look like another identity's id; the id wins, so an id always reaches its own identity.
      const { rows } = await sql<IdentityRow>`${sql.raw(identitySelect)} AND i.workspace_id = ${workspaceId}
        AND (i.id = ${idOrExternalId} OR i.external_id = ${idOrExternalId})
        ORDER BY CASE WHEN i.id = ${idOrExternalId} THEN 0 ELSE 1 END LIMIT 1`.execute(db);
      return rows[0] ? identityFromRow(rows[0]) : undefined;
    },

    async listIdentities(q: IdentityListQuery): Promise<IdentityRecord[]> {
      const filters = [sql`i.workspace_id = ${q.workspaceId}`];
      if (q.search !== undefined) {
        // lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's is not.
        const pattern = containsPattern(q.search);
        filters.push(sql`(lower(i.id) LIKE lower(${pattern}) ESCAPE '\\' OR lower(i.external_id) LIKE lower(${pattern}) ESCAPE '\\')`);
      }
      if (q.cursor !== undefined) filters.push(sql`i.id > ${q.cursor}`);
      const { rows } = await sql<IdentityRow>`${sql.raw(identitySelect)} AND ${sql.join(filters, sql` AND `)}
        ORDER BY i.id LIMIT ${q.limit}`.execute(db);
      return rows.map(identityFromRow);
    },

    async updateIdentity(identityId: string, patch: { meta?: Meta }, now: number): Promise<void> {
      const values: Partial<Tables['identities']> = { updated_at: now };
      if (patch.meta !== undefined) values.meta = toJson(patch.meta);
      await db.updateTable('identities').set(values).where('id', '=', identityId).execute();
    },

    async replaceIdentityRatelimits(workspaceId: string, identityId: string, limits: NewRatelimit[], now: number): Promise<void> {
      await replaceRatelimits(db, workspaceId, 'identity_id', identityId, limits, now);
    },

    async softDeleteIdentity(workspaceId: string, identityId: string, now: number): Promise<void> {
      const stale = await db
        .selectFrom('identities as old')
        .innerJoin('identities as cur', (join) =>
          join.onRef('cur.workspace_id', '=', 'old.workspace_id').onRef('cur.external_id', '=', 'old.external_id'),
        )
        .select('old.id')
        .where('cur.id', '=', identityId)
        .where('old.workspace_id', '=', workspaceId)
        .where('old.deleted_at', 'is not', null)
        .execute();
      const staleIds = stale.map((row) => row.id);
      if (staleIds.length > 0) {
        await db.deleteFrom('ratelimits').where('identity_id', 'in', staleIds).execute();
        await db.deleteFrom('identities').where('id', 'in', staleIds).execute();
      }
      await db
        .updateTable('identities')
        .set({ deleted_at: now, updated_at: now })
        .where('id', '=', identityId)
        .where('workspace_id', '=', workspaceId)
        .execute();
      // Reads already ignore a deleted identity; clearing the link as well leaves no key pointing at a row that is
      // deleted now and may be purged later. The purged copies are included: identities deleted before links were
      // cleared left keys pointing at them. Written after the identity row, the order in which keys.createKey and
      // updateKey touch the two (identity, then key), so concurrent PostgreSQL transactions queue rather than
      // deadlock. updatedAt stays: nobody edited the key, and what it answers did not change with this.
      await db
        .updateTable('keys')
        .set({ identity_id: null })
        .where('workspace_id', '=', workspaceId)
        .where('identity_id', 'in', [identityId, ...staleIds])
        .execute();
    },
  };
  return ops;
}
