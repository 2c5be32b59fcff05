import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { isPostgresUrl } from '../core/database-url.js';
import { openDatabase } from '../storage/sql/dialect.js';
import { introspectingCurrentSchemaOnly } from '../storage/postgres/schema-introspection.js';
import type { NewDek, VaultStore, WrappedDek } from './store.js';

/**
 * The vault store in SQL, for a SQLite file (default `<data dir>/vault/vault.sqlite`, in a directory of
 * its own, created 0700, the file 0600) or a PostgreSQL database apart from the main one. Its migrations
 * are its own, with their own bookkeeping tables, so even a store pointed at a shared server never
 * mixes with Keyward's main schema.
 */

interface VaultTables {
  vault_deks: {
    id: string;
    workspace_id: string;
    wrapped: string;
    master_version: number;
    encryptions: number;
    created_at: number;
    retired_at: number | null;
    rewrapped_at: number | null;
  };
}

const MIGRATIONS: Record<string, Migration> = {
  '0001_vault_deks': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('vault_deks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('wrapped', 'text', (c) => c.notNull())
        .addColumn('master_version', 'integer', (c) => c.notNull())
        .addColumn('encryptions', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .addColumn('rewrapped_at', 'bigint')
        .execute();
      // At most one active data key per workspace: concurrent creators race on this index, one wins.
      await db.schema
        .createIndex('vault_deks_active')
        .on('vault_deks')
        .column('workspace_id')
        .unique()
        .where(sql.ref('retired_at'), 'is', null)
        .execute();
      await db.schema.createIndex('vault_deks_version').on('vault_deks').columns(['master_version', 'id']).execute();
    },
    async down(): Promise<void> {
      throw new Error('Vault store migrations are forward-only.');
    },
  },
};

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

function dekFromRow(row: VaultTables['vault_deks']): WrappedDek {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    wrapped: row.wrapped,
    masterVersion: Number(row.master_version),
    encryptions: Number(row.encryptions),
    createdAt: Number(row.created_at),
    retiredAt: num(row.retired_at),
  };
}

class SqlVaultStore implements VaultStore {
  constructor(
    private readonly db: Kysely<VaultTables>,
    readonly engine: 'sqlite' | 'postgres',
  ) {}

  async findDek(dekId: string): Promise<WrappedDek | undefined> {
    const row = await this.db.selectFrom('vault_deks').selectAll().where('id', '=', dekId).executeTakeFirst();
    return row ? dekFromRow(row) : undefined;
  }

  async findActiveDek(workspaceId: string): Promise<WrappedDek | undefined> {
    const row = await this.db
      .selectFrom('vault_deks')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('retired_at', 'is', null)
      .executeTakeFirst();
    return row ? dekFromRow(row) : undefined;
  }

  async insertActiveDek(dek: NewDek): Promise<boolean> {
    // DO NOTHING rather than catching the violation: a failed statement would abort a PostgreSQL transaction.
    const result = await this.db
      .insertInto('vault_deks')
      .values({
        id: dek.id,
        workspace_id: dek.workspaceId,
        wrapped: dek.wrapped,
        master_version: dek.masterVersion,
        encryptions: 0,
        created_at: dek.createdAt,
        retired_at: null,
        rewrapped_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async claimEncryption(dekId: string, max: number): Promise<boolean> {
    const result = await this.db
      .updateTable('vault_deks')
      .set((eb) => ({ encryptions: eb('encryptions', '+', 1) }))
      .where('id', '=', dekId)
      .where('retired_at', 'is', null)
      .where('encryptions', '<', max)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async retireDek(dekId: string, now: number): Promise<void> {
    await this.db.updateTable('vault_deks').set({ retired_at: now }).where('id', '=', dekId).where('retired_at', 'is', null).execute();
  }

  async masterVersionsInUse(): Promise<number[]> {
    const rows = await this.db.selectFrom('vault_deks').select('master_version').distinct().orderBy('master_version').execute();
    return rows.map((row) => Number(row.master_version));
  }

  async sampleDeks(version: number, limit: number): Promise<WrappedDek[]> {
    const rows = await this.db
      .selectFrom('vault_deks')
      .selectAll()
      .where('master_version', '=', version)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(dekFromRow);
  }

  async countDeksNotWrappedBy(version: number): Promise<number> {
    const row = await this.db
      .selectFrom('vault_deks')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('master_version', '!=', version)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  async listDeksNotWrappedBy(version: number, afterId: string | undefined, limit: number): Promise<WrappedDek[]> {
    const rows = await this.db
      .selectFrom('vault_deks')
      .selectAll()
      .where('master_version', '!=', version)
      .$if(afterId !== undefined, (qb) => qb.where('id', '>', afterId!))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(dekFromRow);
  }

  async rewrapDek(
    dekId: string,
    from: { masterVersion: number; wrapped: string },
    to: { masterVersion: number; wrapped: string },
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('vault_deks')
      .set({ wrapped: to.wrapped, master_version: to.masterVersion, rewrapped_at: now })
      .where('id', '=', dekId)
      .where('master_version', '=', from.masterVersion)
      .where('wrapped', '=', from.wrapped)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Opens (creating if needed) the vault store at `url`: a SQLite file path or a postgres:// URL. */
export async function openSqlVaultStore(url: string): Promise<VaultStore> {
  const isPostgres = isPostgresUrl(url);
  if (!isPostgres && url !== ':memory:') {
    // Its own directory, readable by the service user only; the file too (SQLite gives its -wal and -shm the file's mode).
    mkdirSync(dirname(url), { recursive: true, mode: 0o700 });
    closeSync(openSync(url, 'a', 0o600));
  }
  const { db, dialect } = openDatabase(url);
  const vaultDb = db as unknown as Kysely<VaultTables>;
  try {
    const migrationTableSchema = await dialect.currentSchema(db);
    const migrator = new Migrator({
      db: isPostgres ? introspectingCurrentSchemaOnly(vaultDb) : vaultDb,
      provider: { getMigrations: async () => MIGRATIONS },
      migrationTableName: 'keyward_vault_migration',
      migrationLockTableName: 'keyward_vault_migration_lock',
      ...(migrationTableSchema ? { migrationTableSchema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new SqlVaultStore(vaultDb, dialect.engine);
}
