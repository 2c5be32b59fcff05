import type { InvalidationBus } from '../cache/bus.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { generateKey } from '../core/key-format.js';
import { ALL_WILDCARD_PERMISSIONS } from '../core/permissions.js';
import type { Store, StoreOps } from '../storage/store.js';
import { auditEntry } from './audit.js';
import { systemContext } from './context.js';
import { insertRootKey } from './root-keys.js';

export interface Bootstrapped {
  workspaceId: string;
  rootKeyId: string;
  /** Shown once to whoever ran the bootstrap; only its hash is stored. */
  rootKey: string;
}

export class WorkspaceService {
  /** Without a bus (bootstrap) nothing cached needs telling; `setApiRateLimit` announces its change on it. */
  constructor(private readonly deps: { store: Store; clock: Clock; bus?: InvalidationBus }) {}

  /**
   * Sets a workspace's own API rate limit in requests per minute (null: back to the server-wide
   * default), audited as a system action in the same transaction, then announced as a `workspace`
   * invalidation so cached root keys (which carry the value) reload. False if there is no such live workspace.
   */
  async setApiRateLimit(workspaceId: string, limit: number | null, actor = 'cli'): Promise<boolean> {
    const now = this.deps.clock.now();
    const updated = await this.deps.store.transaction(async (tx) => {
      if (!(await tx.setWorkspaceApiRateLimit(workspaceId, limit))) return false;
      const description =
        limit === null
          ? `Removed the API rate limit of workspace ${workspaceId}; the server default applies`
          : `Set the API rate limit of workspace ${workspaceId} to ${limit} requests per minute`;
      await tx.appendAudit(
        auditEntry(systemContext(workspaceId, actor), now, 'workspace.update', description, [{ type: 'workspace', id: workspaceId }]),
      );
      await tx.logChanges([{ kind: 'workspace', workspaceId }], now);
      return true;
    });
    if (updated) await this.deps.bus?.publish({ kind: 'workspace', workspaceId });
    return updated;
  }

  /** A new workspace and a root key holding every permission, audited, in one transaction. */
  bootstrap(name = 'default'): Promise<Bootstrapped> {
    return this.deps.store.transaction((tx) => this.createWorkspace(tx, name));
  }

  /** Bootstraps only if this store has never been started before; undefined otherwise. */
  bootstrapOnFirstStart(): Promise<Bootstrapped | undefined> {
    return this.deps.store.transaction(async (tx) => {
      if (!(await tx.claimFirstStart(this.deps.clock.now()))) return undefined;
      return this.createWorkspace(tx, 'default');
    });
  }

  /**
   * A root key for `workspaceId` holding exactly `permissions`, unchecked: for tests, which need root keys holding
   * odd permissions. Operators and root keys go through RootKeyService, which validates and refuses escalation.
   */
  async createRootKey(
    workspaceId: string,
    permissions: string[],
    name: string | null = null,
  ): Promise<{ rootKeyId: string; rootKey: string }> {
    const now = this.deps.clock.now();
    const created = await this.deps.store.transaction((tx) =>
      insertRootKey(tx, systemContext(workspaceId, 'cli'), now, { name, permissions: [...new Set(permissions)], expires: null }),
    );
    return { rootKeyId: created.rootKeyId, rootKey: created.key };
  }

  private async createWorkspace(tx: StoreOps, name: string): Promise<Bootstrapped> {
    const now = this.deps.clock.now();
    const workspaceId = newId('workspace', now);
    const rootKeyId = newId('rootKey', now);
    const key = generateKey(32, 'kw_root');
    await tx.claimFirstStart(now);
    await tx.insertWorkspace({ id: workspaceId, name, enabled: true, createdAt: now });
    await tx.insertRootKey({
      id: rootKeyId,
      workspaceId,
      name: 'bootstrap',
      hash: key.hash,
      start: key.start,
      permissions: [...ALL_WILDCARD_PERMISSIONS],
      createdAt: now,
      expires: null,
      createdBy: null,
    });
    await tx.appendAudit(
      auditEntry(
        systemContext(workspaceId, 'bootstrap'),
        now,
        'workspace.bootstrap',
        `Created workspace ${workspaceId} and root key ${rootKeyId}`,
        [
          { type: 'workspace', id: workspaceId, name },
          { type: 'rootKey', id: rootKeyId, name: 'bootstrap' },
        ],
      ),
    );
    return { workspaceId, rootKeyId, rootKey: key.plaintext };
  }
}
