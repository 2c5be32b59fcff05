import { sql } from 'kysely';
import { PostgresCreditBatch } from '../postgres/credit-batch.js';
import { PostgresTransactionGroups } from '../postgres/transaction-group.js';
import { SqliteCheckpointer } from '../sqlite/checkpointer.js';
import { SqliteCreditBatch } from '../sqlite/credit-batch.js';
import { SqliteTransactionGroup } from '../sqlite/transaction-group.js';
import { writeUsageInSlices } from '../sqlite/usage-slices.js';
import type { AuditEntry, Change, Store, StoreOps, TransactionOptions } from '../store.js';
import { alertSql } from './alerts.js';
import { apiSql } from './apis.js';
import { appendAuditChain, auditSql } from './audit.js';
import { changeLogSql, insertChanges } from './change-log.js';
import { creditSql } from './credits.js';
import { openDatabase, type OpenedDatabase, type SqlDialect } from './dialect.js';
import type { PostgresOptions } from '../postgres/open.js';
import type { SqliteOptions } from '../sqlite/open.js';
import { identitySql } from './identities.js';
import { keyMigrationSql } from './key-migrations.js';
import { keySql } from './keys.js';
import { leakSql } from './leaks.js';
import { keyLifetimeSql } from './key-lifetimes.js';
import { migrateToLatest } from './migrate.js';
import { nodeSql } from './nodes.js';
import { operatorSql } from './operators.js';
import { pruningSql } from './pruning.js';
import { ratelimitSql } from './ratelimits.js';
import { rbacSql } from './rbac.js';
import { rootKeySql } from './root-keys.js';
import type { Executor } from './shared.js';
import { usageSql } from './usage.js';
import { queueWebhookEvents, webhookSql } from './webhooks.js';
import { workspaceSql } from './workspaces.js';

/**
 * Every area's SQL over one executor: the store's connection, or one transaction. Object.assign rather than an
 * object literal of many spreads: V8 builds that literal on a slow path, about 250 us per call against 5 us,
 * and every transaction calls this.
 */
function sqlOps(db: Executor, dialect: SqlDialect): StoreOps {
  return Object.assign(
    {},
    workspaceSql(db),
    rootKeySql(db),
    apiSql(db, dialect),
    identitySql(db, dialect),
    keySql(db, dialect),
    keyMigrationSql(db, dialect),
    rbacSql(db),
    ratelimitSql(db, dialect),
    creditSql(db, dialect),
    keyLifetimeSql(db),
    usageSql(db),
    auditSql(db, dialect),
    changeLogSql(db, dialect),
    operatorSql(db),
    nodeSql(db),
    leakSql(db),
    webhookSql(db, dialect),
    alertSql(db, dialect),
    pruningSql(db, dialect),
  );
}

/** What a transaction's work wrote for the end: its audit records and its logged changes. */
interface Records {
  audit: AuditEntry[];
  changes: Array<{ change: Change; at: number }>;
}

/** A grouped work changing webhook endpoints would change which endpoints its group's earlier records reach (store.ts). */
const refuseInGroup = (): Promise<never> =>
  Promise.reject(new Error('webhook endpoints are not changed in a grouped transaction (storage/store.ts, commitGroup)'));

/**
 * findApi for the works of one PostgreSQL commit group (its transaction's executor): each API read once per group,
 * not once per work. Every creation reads its API, and a group's works run one after another on one connection, so
 * that read was a round trip out of three per creation. A group lasts milliseconds; an API deleted meanwhile gets
 * the group's remaining keys as it would have had they been read just before the deletion. A failed read is not kept.
 * Only grouped works use it, and none of them changes an API (only keys.createKey is grouped: services/keys/lifecycle.ts).
 */
function apisReadOncePerGroup(findApi: StoreOps['findApi']): StoreOps['findApi'] {
  const read = new Map<string, ReturnType<StoreOps['findApi']>>();
  return (workspaceId, apiId) => {
    const key = `${workspaceId}\u0000${apiId}`;
    let api = read.get(key);
    if (api === undefined) {
      api = findApi(workspaceId, apiId);
      read.set(key, api);
      api.catch(() => read.delete(key));
    }
    return api;
  };
}

function sqlStore({ db: kysely, dialect, sqlite, health }: OpenedDatabase): Store {
  const ops = sqlOps(kysely, dialect);
  const opsOf = new WeakMap<Executor, StoreOps>();
  // Audit records wait for the end of the work and are chained just before commit (storage/audit.ts, appendAudit);
  // changes are logged last (storage/change-log.ts), so their numbers are taken just before commit.
  const collecting = async <T>(trx: Executor, work: (tx: StoreOps) => Promise<T>, grouped: boolean) => {
    const records: Records = { audit: [], changes: [] };
    // The works of a group share one executor: its operations are built once, each work's own record keeping on top.
    let shared = opsOf.get(trx);
    if (!shared) {
      shared = sqlOps(trx, dialect);
      if (grouped && !sqlite) shared.findApi = apisReadOncePerGroup(shared.findApi);
      opsOf.set(trx, shared);
    }
    const tx: StoreOps = Object.create(shared);
    tx.appendAudit = async (entry) => {
      records.audit.push(entry);
    };
    tx.logChanges = async (logged, at) => {
      for (const change of logged) records.changes.push({ change, at });
    };
    if (grouped) {
      tx.createWebhookEndpoint = refuseInGroup;
      tx.updateWebhookEndpoint = refuseInGroup;
      tx.deleteWebhookEndpoint = refuseInGroup;
    }
    return { result: await work(tx), records };
  };
  const writeRecords = async (trx: Executor, { audit, changes }: Records): Promise<void> => {
    if (audit.length > 0) {
      // The webhook events these records make are queued in the same transaction (docs/decisions/0019), before the
      // records are chained: chaining locks the workspace's chain head until commit (audit.ts), so what follows it
      // is kept short.
      await queueWebhookEvents(trx, audit);
      await appendAuditChain(trx, dialect, audit);
    }
    if (changes.length > 0) await insertChanges(trx, changes);
  };
  const workWithRecords = async <T>(trx: Executor, work: (tx: StoreOps) => Promise<T>): Promise<T> => {
    const { result, records } = await collecting(trx, work, false);
    await writeRecords(trx, records);
    return result;
  };
  // Grouped works' records are written once for the works of a group, as it ends (both engines: store.ts, commitGroup).
  const finishGroup = (trx: Executor, done: Array<{ records: Records }>) =>
    writeRecords(trx, {
      audit: done.flatMap((d) => d.records.audit),
      changes: done.flatMap((d) => d.records.changes),
    });
  // SQLite: the WAL is checkpointed by a thread of its own, off the event loop (sqlite/checkpointer.ts).
  const checkpointer = sqlite && !sqlite.memory ? new SqliteCheckpointer(sqlite.name) : undefined;
  const afterCommit = () => checkpointer?.afterCommit();
  // SQLite: concurrent transactions commit together, each in its own savepoint (sqlite/transaction-group.ts).
  const group = sqlite
    ? new SqliteTransactionGroup<{ result: unknown; records: Records }>(kysely, sqlite, finishGroup, afterCommit)
    : undefined;
  // PostgreSQL: those of one commit group do (postgres/transaction-group.ts): one head lock and one commit for the group.
  const postgresGroups = sqlite ? undefined : new PostgresTransactionGroups<{ result: unknown; records: Records }>(kysely, finishGroup);
  const transaction = async <T>(work: (tx: StoreOps) => Promise<T>, options?: TransactionOptions): Promise<T> => {
    const commitGroup = options?.commitGroup;
    if (commitGroup === undefined) {
      return group ? group.run((db) => workWithRecords(db, work)) : kysely.transaction().execute((trx) => workWithRecords(trx, work));
    }
    const grouped = group
      ? group.runFinishedLater((db) => collecting(db, work, true))
      : postgresGroups!.run(commitGroup, (trx) => collecting(trx, work, true));
    return (await grouped).result as T;
  };
  const credits = sqlite
    ? new SqliteCreditBatch(kysely, sqlite, afterCommit)
    : new PostgresCreditBatch(kysely, dialect, (keyId, cost, condition) => ops.spendCredits(keyId, cost, condition));
  return {
    ...ops,
    engine: dialect.engine,
    /** Concurrent spends commit together: on SQLite all of them (sqlite/credit-batch.ts), on PostgreSQL those of one key (postgres/credit-batch.ts). */
    spendCredits: (keyId, cost, condition) => credits.charge(keyId, cost, condition),
    /**
     * One transaction per flush on PostgreSQL: thousands of single-row updates commit once instead of thousands of
     * times. On SQLite one per 500 keys, the event loop let through between them (sqlite/usage-slices.ts).
     */
    recordKeyUsage: sqlite
      ? (usage) => writeUsageInSlices(usage, (slice) => transaction((tx) => tx.recordKeyUsage(slice)))
      : (usage) => transaction((tx) => tx.recordKeyUsage(usage)),
    /** One transaction per flush, as recordKeyUsage. */
    recordRootKeyUsage: (usage) => transaction((tx) => tx.recordRootKeyUsage(usage)),
    /** Chaining reads and locks the workspace's chain head, so a record outside a transaction gets one of its own. */
    appendAudit: (entry) => transaction((tx) => tx.appendAudit(entry)),
    /** The claim and the outbox rows it queues commit together (docs/decisions/0027). */
    claimCreditsAlert: (claim) => transaction((tx) => tx.claimCreditsAlert(claim)),
    /** The lock, the marks and the outbox rows in one transaction (docs/decisions/0027). */
    alertExpiringKeys: (now, withinMs, limit) => transaction((tx) => tx.alertExpiringKeys(now, withinMs, limit)),
    claimRatelimitAlert: (claim) => transaction((tx) => tx.claimRatelimitAlert(claim)),
    /** Each pruning holds its lock for its transaction (storage/pruning.ts). */
    pruneRatelimitAlerts: (firedBy) => transaction((tx) => tx.pruneRatelimitAlerts(firedBy)),
    pruneRetiredRootKeys: (now) => transaction((tx) => tx.pruneRetiredRootKeys(now)),
    transaction,
    databaseUp: () => health?.up ?? true,
    ping: async () => {
      await sql`SELECT 1`.execute(kysely);
    },
    close: async () => {
      await checkpointer?.close();
      await kysely.destroy();
    },
  };
}

/**
 * Opens the database at `url`, applies pending migrations, and returns the store. `postgres`: the server's timeouts;
 * migrations run on a connection of their own without them, since one may rewrite a large table.
 */
export async function openSqlStore(url: string, postgres?: PostgresOptions, sqlite?: SqliteOptions): Promise<Store> {
  const opened = openDatabase(url, postgres, sqlite);
  const migrating = opened.dialect.engine === 'postgres' && postgres ? openDatabase(url) : opened;
  try {
    await migrateToLatest(migrating.db, migrating.dialect);
  } catch (error) {
    await opened.db.destroy();
    throw error;
  } finally {
    if (migrating !== opened) await migrating.db.destroy();
  }
  return sqlStore(opened);
}
