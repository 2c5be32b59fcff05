import type { Clock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import type { NodeDependencyState, NodeRecord, Store } from '../storage/store.js';
import type { RequestContext } from './context.js';

/**
 * The registry of running nodes (docs/operations.md, "Nodes"; migration 0009): each server writes its own row at start
 * and every heartbeat, with what it sees of its database and Redis, and deletes it when it stops cleanly. A node killed
 * or cut off stops writing: past STALE_AFTER_HEARTBEATS heartbeats the list shows it as gone, and past
 * NODE_PRUNE_AFTER_MS any node's next heartbeat deletes its row.
 *
 * Nodes belong to the installation, not to a workspace, and say where it runs (host names, versions): only admins of
 * the installation's first workspace (the one the first start made, whose admin the setup link creates) see them, so
 * a tenant's admins on a shared installation do not.
 */

export const STALE_AFTER_HEARTBEATS = 3;
export const NODE_PRUNE_AFTER_MS = 3_600_000;

/**
 * What a node may advertise in its row (migration 0015), for what other nodes rely on during a rolling upgrade.
 * `logsNewKeyHashes`: keys.createKey and keys.rerollKey log the new key's hash in the change log, so an unknown-key
 * filter's "no" confirmed by the log holds (docs/decisions/0034-filter-negatives-during-rolling-upgrades.md).
 */
export const NODE_CAPABILITIES = {
  logsNewKeyHashes: 'logs-new-key-hashes',
} as const;
export type NodeCapability = (typeof NODE_CAPABILITIES)[keyof typeof NODE_CAPABILITIES];

/** What this process is, fixed at its start. */
export type NodeIdentity = Pick<NodeRecord, 'id' | 'name' | 'hostname' | 'version' | 'engine' | 'startedAt' | 'capabilities'>;

/** A node as listed: its row, whether it is the node answering, and whether it still beats. */
export interface NodeView extends NodeRecord {
  current: boolean;
  status: 'up' | 'gone';
}

export interface NodeRegistryDeps {
  store: Pick<Store, 'upsertNode' | 'deleteNode' | 'listNodes' | 'pruneNodes' | 'listWorkspaces'>;
  clock: Clock;
  self: NodeIdentity;
  /** KEYWARD_NODE_HEARTBEAT_SECONDS in ms. */
  heartbeatMs: number;
  /** What this node sees of its dependencies now (the readiness probe's answer). */
  dependencies: () => Promise<{ database: NodeDependencyState; redis: NodeDependencyState }>;
}

export class NodeRegistry {
  constructor(private readonly deps: NodeRegistryDeps) {}

  /** KEYWARD_NODE_HEARTBEAT_SECONDS in ms. */
  get heartbeatMs(): number {
    return this.deps.heartbeatMs;
  }

  /** Writes this node's row, then prunes rows silent for long (every node does: a row deleted twice is deleted once). */
  async heartbeat(): Promise<void> {
    const { store, clock, self } = this.deps;
    const seen = await this.deps.dependencies();
    const now = clock.now();
    await store.upsertNode({ ...self, ...seen, lastSeenAt: now });
    await store.pruneNodes(now - NODE_PRUNE_AFTER_MS);
  }

  /** A clean stop: this node leaves the list at once rather than turn gone. */
  async leave(): Promise<void> {
    await this.deps.store.deleteNode(this.deps.self.id);
  }

  /**
   * Whether every node the registry shows as up advertises `capability`: a row silent for STALE_AFTER_HEARTBEATS of
   * this node's heartbeats is a node gone (as the list shows it). A node that has never written a row (a version before
   * the registry, migration 0009) is not seen. Rejects when the registry cannot be read.
   */
  async everyLiveNodeAdvertises(capability: NodeCapability): Promise<boolean> {
    const { store, clock, heartbeatMs } = this.deps;
    const goneBefore = clock.now() - heartbeatMs * STALE_AFTER_HEARTBEATS;
    return (await store.listNodes()).every((node) => node.lastSeenAt < goneBefore || node.capabilities.includes(capability));
  }

  /** Every registered node, for an admin of the installation's first workspace (403 for anyone else). */
  async list(ctx: RequestContext): Promise<NodeView[]> {
    const { store, clock, self, heartbeatMs } = this.deps;
    const [first] = await store.listWorkspaces();
    if (first?.id !== ctx.workspaceId) {
      throw new KeywardError(
        'insufficient_permissions',
        "Nodes are installation-wide: only admins of the installation's first workspace see them.",
      );
    }
    const goneBefore = clock.now() - heartbeatMs * STALE_AFTER_HEARTBEATS;
    return (await store.listNodes()).map((node) => ({
      ...node,
      current: node.id === self.id,
      status: node.lastSeenAt < goneBefore ? 'gone' : 'up',
    }));
  }
}
