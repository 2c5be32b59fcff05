import type { InvalidationBus } from '../cache/bus.js';
import type { SwrCache } from '../cache/swr-cache.js';
import type { Clock } from '../core/clock.js';
import type { Limiter } from '../ratelimit/limiter.js';
import type { KeyRecord, Store } from '../storage/store.js';
import { ApiService } from './apis.js';
import { AuditLogService } from './audit-log.js';
import { IdentityService } from './identities.js';
import { KeyAccessService } from './keys/access.js';
import { KeyMigrationService } from './key-migrations.js';
import { KeyService } from './keys/lifecycle.js';
import { PermissionService } from './permissions.js';
import { RatelimitService, type CachedNamespace } from './ratelimits.js';
import { RootKeyService } from './root-keys.js';
import { WorkspaceService } from './workspaces.js';
import { VerifyService } from './verify/verify-key.js';
import type { Vault } from '../vault/vault.js';

/** The slice of pino the services use: warnings that are rare by construction (throttled where they could repeat). */
export interface Logger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  bus: InvalidationBus;
  /** Verification lookups by key hash (misses cached too). */
  keyCache: SwrCache<KeyRecord>;
  /** ratelimit.limit's namespaces and overrides per (workspace, name or id), dropped by `ratelimitNamespace` and `workspace` invalidations. */
  ratelimitNamespaces: SwrCache<CachedNamespace>;
  /** Rate-limit counters: in memory on one node, in Redis across many. */
  limiter: Limiter;
  /** Never used per request at info level: only for rare, throttled warnings (a limiter that fails). */
  logger: Logger;
  /** Encrypts and decrypts recoverable keys; null or absent: no vault configured (recoverable requests answer 412). */
  vault?: Vault | null;
}

export interface Services {
  apis: ApiService;
  keys: KeyService;
  /** A key's direct permissions and roles. */
  keyAccess: KeyAccessService;
  /** Importing keys by hash (keys.migrateKeys) and their migrations. */
  keyMigrations: KeyMigrationService;
  permissions: PermissionService;
  identities: IdentityService;
  verify: VerifyService;
  auditLog: AuditLogService;
  workspaces: WorkspaceService;
  ratelimits: RatelimitService;
  /** Keyward-only root-key management. */
  rootKeys: RootKeyService;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    apis: new ApiService(deps),
    keys: new KeyService(deps),
    keyAccess: new KeyAccessService(deps),
    keyMigrations: new KeyMigrationService(deps),
    permissions: new PermissionService(deps),
    identities: new IdentityService(deps),
    verify: new VerifyService(deps),
    auditLog: new AuditLogService(deps),
    workspaces: new WorkspaceService(deps),
    ratelimits: new RatelimitService(deps),
    rootKeys: new RootKeyService(deps),
  };
}
