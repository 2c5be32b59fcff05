/**
 * What a mutation announces so every node's caches drop what it changed. `key` names one cached
 * lookup by its workspace and hash (a key's hash is unique per workspace only), `rootKey` one by its
 * hash; `workspace` drops everything cached for a workspace (used for changes that reach many keys
 * at once, such as deleting an API). `ratelimitNamespace` drops a workspace's cached rate-limit
 * namespaces and their overrides: those change rarely, so dropping them all is cheaper than naming
 * each entry (one namespace is cached under its name and its id).
 */
export type Invalidation =
  | { kind: 'key'; workspaceId: string; hash: string }
  | { kind: 'rootKey'; hash: string }
  | { kind: 'workspace'; workspaceId: string }
  | { kind: 'ratelimitNamespace'; workspaceId: string }
  /** Sent to a node's own handlers when it may have missed messages (a lost subscription). */
  | { kind: 'all' };

export interface InvalidationBus {
  /**
   * Resolves once every local handler has run; a shared bus sends to the other nodes in the background and never
   * rejects for it (the change log carries what it fails to send: docs/decisions/0013-invalidation-change-log.md).
   */
  publish(message: Invalidation): Promise<void>;
  subscribe(handler: (message: Invalidation) => void): void;
  close(): Promise<void>;
}

/** The single-node bus: delivery is immediate and in-process. */
export class MemoryBus implements InvalidationBus {
  private readonly handlers: Array<(message: Invalidation) => void> = [];

  async publish(message: Invalidation): Promise<void> {
    for (const handler of this.handlers) handler(message);
  }

  subscribe(handler: (message: Invalidation) => void): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    this.handlers.length = 0;
  }
}
