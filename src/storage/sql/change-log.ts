import type { Change, ChangeLogOps, LoggedChange } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { type Executor, executeFixed } from './shared.js';

/** Rows per INSERT: keys.migrateKeys logs up to thousands of keys in one transaction. */
const ROWS_PER_INSERT = 500;

/** Writes `changes` in multi-row INSERTs; the store's transaction calls it just before commit (sql-store.ts). */
export async function insertChanges(db: Executor, changes: ReadonlyArray<{ change: Change; at: number }>): Promise<void> {
  for (let i = 0; i < changes.length; i += ROWS_PER_INSERT) {
    const rows = changes.slice(i, i + ROWS_PER_INSERT).map(({ change, at }) => ({
      at,
      kind: change.kind,
      workspace_id: change.workspaceId ?? null,
      hash: change.hash ?? null,
    }));
    await db.insertInto('change_log').values(rows).execute();
  }
}

export function changeLogSql(db: Executor, dialect: SqlDialect): ChangeLogOps {
  return {
    logChanges(changes: readonly Change[], at: number): Promise<void> {
      return insertChanges(
        db,
        changes.map((change) => ({ change, at })),
      );
    },

    async listChanges(afterSeq: number, missing: readonly number[], limit: number): Promise<LoggedChange[]> {
      const select = () => db.selectFrom('change_log').select(['seq', 'kind', 'workspace_id', 'hash']);
      // Both halves use the primary key: a range scan from the cursor, and one lookup per missing number. Without
      // missing numbers (nearly every read) the text is fixed, built once and kept prepared: every node reads the log
      // on a short timer, and once per batch of unknown keys during a flood (cache/change-follower.ts), where building
      // the query cost as much as running it (bench/RESULTS.md, "Session 18").
      const rows =
        missing.length === 0
          ? (
              await executeFixed(
                db,
                dialect,
                'listChanges',
                () => select().where('seq', '>', afterSeq).orderBy('seq').limit(limit).compile(),
                [afterSeq, limit],
              )
            ).rows
          : await select()
              .where((eb) => eb.or([eb('seq', '>', afterSeq), eb('seq', 'in', missing)]))
              .orderBy('seq')
              .limit(limit)
              .execute();
      // PostgreSQL answers a BIGINT as a string.
      return rows.map((row) => ({ seq: Number(row.seq), kind: row.kind, workspaceId: row.workspace_id, hash: row.hash }));
    },

    async lastChangeSeq(): Promise<number> {
      const row = await db
        .selectFrom('change_log')
        .select((eb) => eb.fn.max('seq').as('last'))
        .executeTakeFirst();
      return Number(row?.last ?? 0);
    },

    async pruneChanges(before: number): Promise<number> {
      const result = await db.deleteFrom('change_log').where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
