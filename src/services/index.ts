import type { InvalidationBus } from '../cache/bus.js';
import type { SwrCache } from '../cache/swr-cache.js';
import type { Clock } from '../core/clock.js';
import type { KeyRecord, Store } from '../storage/store.js';
import { ApiService } from './apis.js';
import { AuditLogService } from './audit-log.js';
import { KeyService } from './keys.js';
import { WorkspaceService } from './workspaces.js';
import { VerifyService } from '../verify/verify-key.js';

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  bus: InvalidationBus;
  /** Verification lookups by key hash (misses cached too). */
  keyCache: SwrCache<KeyRecord>;
}

export interface Services {
  apis: ApiService;
  keys: KeyService;
  verify: VerifyService;
  auditLog: AuditLogService;
  workspaces: WorkspaceService;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    apis: new ApiService(deps),
    keys: new KeyService(deps),
    verify: new VerifyService(deps),
    auditLog: new AuditLogService(deps),
    workspaces: new WorkspaceService(deps),
  };
}
