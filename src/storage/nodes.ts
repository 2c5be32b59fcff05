/**
 * The registry of running Keyward nodes (migration 0009, docs/operations.md "Nodes"): each server writes its own row
 * at start and on a timer, and deletes it when it stops cleanly. Installation-wide, like the database it lives in:
 * no workspace owns a node.
 */

/** What a node saw of a dependency at its latest heartbeat (services/readiness.ts, DependencyState). */
export type NodeDependencyState = 'ok' | 'unavailable' | 'timeout' | 'unused' | 'unchecked';

export interface NodeRecord {
  /** `node_...`, new at every start of a process. */
  id: string;
  /** KEYWARD_NODE_NAME (the host name by default). */
  name: string;
  hostname: string;
  /** Keyward's version the node runs. */
  version: string;
  engine: 'sqlite' | 'postgres';
  database: NodeDependencyState;
  redis: NodeDependencyState;
  startedAt: number;
  lastSeenAt: number;
  /**
   * What the node says it does (src/services/node-registry.ts, NODE_CAPABILITIES; migration 0015), so that nodes of a
   * newer version know what the others do during a rolling upgrade. Empty for a node of a version before 0015, which
   * writes its row without them; names a later version adds are kept as they are.
   */
  capabilities: readonly string[];
}

export interface NodeOps {
  /** Inserts the node's row, or replaces every field of it. */
  upsertNode(node: NodeRecord): Promise<void>;
  /** Deletes the node's row (a clean stop); false when there was none. */
  deleteNode(nodeId: string): Promise<boolean>;
  /** Every node's row, by name then id. */
  listNodes(): Promise<NodeRecord[]>;
  /** Deletes the rows last seen before `before`; the count deleted. Several nodes may prune at once. */
  pruneNodes(before: number): Promise<number>;
}
