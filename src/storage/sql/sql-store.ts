import type Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { SqliteCreditBatch } from '../sqlite/credit-batch.js';
import type { AuditEntry, Store, StoreOps } from '../store.js';
import { apiSql } from './apis.js';
import { appendAuditChain, auditSql } from './audit.js';
import { creditSql } from './credits.js';
import { openDatabase, type SqlDialect } from './dialect.js';
import { identitySql } from './identities.js';
import { keyMigrationSql } from './key-migrations.js';
import { keySql } from './keys.js';
import { migrateToLatest } from './migrate.js';
import { ratelimitSql } from './ratelimits.js';
import { rbacSql } from './rbac.js';
import { rootKeySql } from './root-keys.js';
import type { Executor } from './shared.js';
import type { Tables } from './tables.js';
import { usageSql } from './usage.js';
import { workspaceSql } from './workspaces.js';

/**
 * Every area's SQL over one executor: the store's connection, or one transaction. Object.assign rather than an
 * object literal of eleven spreads: V8 builds that literal on a slow path, about 250 us per call against 5 us,
 * and every transaction calls this.
 */
function sqlOps(db: Executor, dialect: SqlDialect): StoreOps {
  return Object.assign(
    {},
    workspaceSql(db),
    rootKeySql(db),
    apiSql(db),
    identitySql(db, dialect),
    keySql(db, dialect),
    keyMigrationSql(db, dialect),
    rbacSql(db),
    ratelimitSql(db, dialect),
    creditSql(db),
    usageSql(db),
    auditSql(db),
  );
}

function sqlStore(kysely: Kysely<Tables>, dialect: SqlDialect, sqlite: Database.Database | undefined): Store {
  const ops = sqlOps(kysely, dialect);
  // Audit records wait for the end of the work and are chained just before commit (storage/audit.ts, appendAudit).
  const transaction = <T>(work: (tx: StoreOps) => Promise<T>): Promise<T> =>
    kysely.transaction().execute(async (trx) => {
      const audit: AuditEntry[] = [];
      const tx = sqlOps(trx, dialect);
      tx.appendAudit = async (entry) => {
        audit.push(entry);
      };
      const result = await work(tx);
      if (audit.length > 0) await appendAuditChain(trx, audit);
      return result;
    });
  const credits = sqlite && new SqliteCreditBatch(kysely, sqlite);
  return {
    ...ops,
    engine: dialect.engine,
    /** On SQLite, concurrent spends commit together (sqlite/credit-batch.ts); PostgreSQL commits each on its own connection. */
    spendCredits: credits ? (keyId, cost, condition) => credits.charge(keyId, cost, condition) : ops.spendCredits,
    /** One transaction per flush: thousands of single-row updates commit once instead of thousands of times. */
    recordKeyUsage: (usage) => transaction((tx) => tx.recordKeyUsage(usage)),
    /** One transaction per flush, as recordKeyUsage. */
    recordRootKeyUsage: (usage) => transaction((tx) => tx.recordRootKeyUsage(usage)),
    /** Chaining reads and locks the workspace's chain head, so a record outside a transaction gets one of its own. */
    appendAudit: (entry) => transaction((tx) => tx.appendAudit(entry)),
    transaction,
    ping: async () => {
      await sql`SELECT 1`.execute(kysely);
    },
    close: () => kysely.destroy(),
  };
}

/** Opens the database at `url`, applies pending migrations, and returns the store. */
export async function openSqlStore(url: string): Promise<Store> {
  const { db, dialect, sqlite } = openDatabase(url);
  try {
    await migrateToLatest(db, dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return sqlStore(db, dialect, sqlite);
}
