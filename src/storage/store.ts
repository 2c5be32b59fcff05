/**
 * The storage interface. Methods are named by what the caller means, not by table; every
 * implementation passes suite/index.ts (one file per area). Mutations run inside `transaction`, and the service that
 * opens it appends the audit record in the same transaction, so a change and its record land together; the
 * invalidation it announces is logged there too (change-log.ts).
 *
 * Reads return only live objects: a soft-deleted key, API or identity is absent. Every read that
 * takes a workspace id is scoped to it: another workspace's object is simply "not there".
 */

import type { WorkspaceOps } from './workspaces.js';
import type { RootKeyOps } from './root-keys.js';
import type { ApiOps } from './apis.js';
import type { IdentityOps } from './identities.js';
import type { KeyOps } from './keys.js';
import type { KeyMigrationOps } from './key-migrations.js';
import type { RbacOps } from './rbac.js';
import type { RatelimitOps } from './ratelimits.js';
import type { CreditOps } from './credits.js';
import type { KeyLifetimeOps } from './key-lifetimes.js';
import type { UsageOps } from './usage.js';
import type { AuditOps } from './audit.js';
import type { ChangeLogOps } from './change-log.js';
import type { OperatorOps } from './operators.js';
import type { NodeOps } from './nodes.js';
import type { LeakOps } from './leaks.js';
import type { WebhookOps } from './webhooks.js';
import type { AlertOps } from './alerts.js';
import type { PruningOps } from './pruning.js';

export type * from './shared.js';
export type * from './workspaces.js';
export type * from './root-keys.js';
export type * from './apis.js';
export type * from './identities.js';
export type * from './keys.js';
export type * from './key-migrations.js';
export type * from './rbac.js';
export type * from './ratelimits.js';
export type * from './credits.js';
export type * from './key-lifetimes.js';
export type * from './usage.js';
export type * from './audit.js';
export type * from './change-log.js';
export type * from './operators.js';
export type * from './nodes.js';
export type * from './leaks.js';
export type * from './webhooks.js';
export type * from './alerts.js';
export type * from './pruning.js';

export type Engine = 'sqlite' | 'postgres';

/** Everything a store can do, available both on the store and inside a transaction: every area's operations together. */
export interface StoreOps
  extends WorkspaceOps,
    RootKeyOps,
    ApiOps,
    IdentityOps,
    KeyOps,
    KeyMigrationOps,
    RbacOps,
    RatelimitOps,
    CreditOps,
    KeyLifetimeOps,
    UsageOps,
    AuditOps,
    ChangeLogOps,
    OperatorOps,
    NodeOps,
    LeakOps,
    WebhookOps,
    AlertOps,
    PruningOps {}

/** How a transaction may be run. */
export interface TransactionOptions {
  /**
   * Transactions of the same commit group (a workspace id) that arrive together may run in one database transaction,
   * each in a savepoint of its own, and commit once (docs/decisions/0032): one fails alone, a failed commit fails them
   * all. Their audit records are chained and their webhook events queued as the group ends, so a grouped work must not
   * change webhook endpoints (refused). SQLite groups every transaction anyway (sqlite/transaction-group.ts).
   */
  commitGroup?: string;
}

export interface Store extends StoreOps {
  readonly engine: Engine;
  transaction<T>(work: (tx: StoreOps) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Whether the database answered the latest connection or statement (PostgreSQL); a SQLite file is always up. */
  databaseUp(): boolean;
  /** Resolves once the database answers a query that reads nothing; rejects when it cannot (readiness, src/services/readiness.ts). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
