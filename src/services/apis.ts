import type { Clock } from '../core/clock.js';
import { badInput, KeywardError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { eitherScope } from '../core/permissions.js';
import type { InvalidationBus } from '../cache/bus.js';
import { ipEntryProblem } from '../core/ip-whitelist.js';
import type { ApiRecord, ApiSettingsChange, Store } from '../storage/store.js';
import type { Vault } from '../vault/vault.js';
import { auditEntry } from './audit.js';
import { noVault } from './keys/recoverable.js';
import type { RequestContext } from './context.js';
import { requirePermission } from './authorization.js';
import { apiNotFound } from './not-found.js';
import { fetchPage, type Page } from './pagination.js';

export interface ApiServiceDeps {
  store: Store;
  clock: Clock;
  bus: InvalidationBus;
  /** Recoverable keys' vault, if the server has one: encrypted key storage is refused without it. */
  vault?: Vault | null;
}

/**
 * 400 unless every entry is an address or CIDR range; checked before anything is written, so a bad list changes
 * nothing. The request schema bounds the count (at most 100) and each entry's length.
 */
function checkIpWhitelist(entries: readonly string[]): void {
  if (entries.length === 0)
    throw badInput('ipWhitelist must not be empty; use null to remove the whitelist.', [
      { location: 'body.ipWhitelist', message: 'must NOT have fewer than 1 items', fix: 'Send null to remove the whitelist.' },
    ]);
  entries.forEach((entry, i) => {
    const problem = ipEntryProblem(entry);
    if (problem !== undefined) throw badInput(`ipWhitelist[${i}]: ${problem}.`, [{ location: `body.ipWhitelist[${i}]`, message: problem }]);
  });
}

/** The APIs named by the caller's `api.<id>.read_api` tuples (the `*` form is not an id). */
function readableApiIds(permissions: ReadonlySet<string>): string[] {
  const ids: string[] = [];
  for (const permission of permissions) {
    const parts = permission.split('.');
    if (parts.length === 3 && parts[0] === 'api' && parts[2] === 'read_api' && parts[1] !== '*') ids.push(parts[1]!);
  }
  return ids;
}

/** What apiSettings.updateSettings may change: an absent field stays as it is (the store's change, named for callers). */
export type ApiSettingsInput = ApiSettingsChange;

export class ApiService {
  constructor(private readonly deps: ApiServiceDeps) {}

  async create(ctx: RequestContext, name: string): Promise<ApiRecord> {
    requirePermission(ctx, ['api.*.create_api']);
    const now = this.deps.clock.now();
    const api: ApiRecord = {
      id: newId('api', now),
      workspaceId: ctx.workspaceId,
      name,
      deleteProtection: false,
      storeEncryptedKeys: false,
      ipWhitelist: null,
      leakPolicy: 'disable',
      defaultPrefix: null,
      defaultByteLength: null,
      // New APIs make checksummed keys (docs/decisions/0017-checksummed-key-format.md); older ones keep base58.
      keyFormat: 'checksummed',
      createdAt: now,
      updatedAt: null,
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.insertApi(api);
      await tx.appendAudit(auditEntry(ctx, now, 'api.create', `Created API ${api.id}`, [{ type: 'api', id: api.id, name }]));
    });
    return api;
  }

  /** Permission is checked before the lookup, as upstream, so a missing permission is a 403 either way. */
  async get(ctx: RequestContext, apiId: string): Promise<ApiRecord> {
    requirePermission(ctx, eitherScope('api', apiId, 'read_api'));
    // Another workspace's API answers "not found": the lookup is scoped to the caller's workspace.
    const api = await this.deps.store.findApi(ctx.workspaceId, apiId);
    if (!api) throw apiNotFound();
    return api;
  }

  /**
   * Keyward-only: one page of the workspace's live APIs, ordered by id. `api.*.read_api` lists every one; otherwise
   * only the APIs the caller may read one by one (`api.<id>.read_api`, what apis.getApi accepts), and holding none
   * of those is a 403, as the other lists answer a caller with nothing to read.
   */
  async list(ctx: RequestContext, input: { limit: number; cursor?: string }): Promise<Page<ApiRecord>> {
    const apiIds = ctx.permissions.has('api.*.read_api') ? undefined : readableApiIds(ctx.permissions);
    if (apiIds?.length === 0) requirePermission(ctx, eitherScope('api', '<apiId>', 'read_api'));
    return fetchPage(input, (window) => this.deps.store.listApis({ workspaceId: ctx.workspaceId, apiIds, ...window }));
  }

  async delete(ctx: RequestContext, apiId: string): Promise<void> {
    requirePermission(ctx, eitherScope('api', apiId, 'delete_api'));
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      const api = await tx.findApi(ctx.workspaceId, apiId);
      if (!api) throw apiNotFound();
      if (api.deleteProtection) {
        throw new KeywardError('protected_resource', 'This API has delete protection enabled. Disable it before attempting to delete.');
      }
      await tx.softDeleteApi(ctx.workspaceId, apiId, now);
      await tx.appendAudit(auditEntry(ctx, now, 'api.delete', `Deleted API ${apiId}`, [{ type: 'api', id: apiId, name: api.name }]));
      await tx.logChanges([{ kind: 'workspace', workspaceId: ctx.workspaceId }], now);
    });
    // Every key of the API now verifies as NOT_FOUND: drop the workspace's cached lookups.
    await this.deps.bus.publish({ kind: 'workspace', workspaceId: ctx.workspaceId });
  }

  /**
   * Keyward's API settings; `storeEncryptedKeys` lets keys.createKey make recoverable keys in this API (with a vault),
   * `ipWhitelist` limits which clients may verify its keys (null removes it). Audited as api.update.
   */
  async updateSettings(ctx: RequestContext, apiId: string, settings: ApiSettingsInput): Promise<ApiRecord> {
    requirePermission(ctx, eitherScope('api', apiId, 'update_api'));
    if (settings.ipWhitelist) checkIpWhitelist(settings.ipWhitelist);
    const now = this.deps.clock.now();
    const updated = await this.deps.store.transaction(async (tx) => {
      const api = await tx.findApi(ctx.workspaceId, apiId);
      if (!api) throw apiNotFound();
      // Refused now, with the reason, rather than accepted and then refusing every recoverable key (after the lookup,
      // so another workspace's API still answers only 404).
      if (settings.storeEncryptedKeys === true && !this.deps.vault) throw noVault();
      await tx.updateApiSettings(ctx.workspaceId, apiId, settings, now);
      const changes = Object.entries(settings)
        .map(([name, value]) => `${name}=${Array.isArray(value) ? JSON.stringify(value) : String(value)}`)
        .join(', ');
      await tx.appendAudit(
        auditEntry(ctx, now, 'api.update', `Changed settings of API ${apiId}: ${changes || 'nothing'}`, [
          { type: 'api', id: apiId, name: api.name },
        ]),
      );
      if (settings.ipWhitelist !== undefined) await tx.logChanges([{ kind: 'workspace', workspaceId: ctx.workspaceId }], now);
      return { ...api, ...settings, updatedAt: now };
    });
    // Cached key records carry their API's whitelist: after the commit, every node drops the workspace's.
    if (settings.ipWhitelist !== undefined) await this.deps.bus.publish({ kind: 'workspace', workspaceId: ctx.workspaceId });
    return updated;
  }
}
