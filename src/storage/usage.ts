/** Usage write-back: lastUsedAt of keys and root keys, buffered per node and flushed in batches. */

export interface UsageOps {
  recordKeyUsage(usage: ReadonlyMap<string, number>): Promise<void>;
  /**
   * Stamps lastUsedAt on root keys (rootKeyId -> time), never moving a time back (nodes flush independently).
   * On the store itself the whole batch is one transaction. Unknown ids change nothing.
   */
  recordRootKeyUsage(usage: ReadonlyMap<string, number>): Promise<void>;
}
