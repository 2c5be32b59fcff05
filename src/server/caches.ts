import type { Invalidation } from '../cache/bus.js';
import { keyCacheKey } from '../cache/key-cache-key.js';
import { SwrCache } from '../cache/swr-cache.js';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { CachedRootKey } from '../services/authentication.js';
import type { CachedNamespace } from '../services/deps.js';
import type { KeyRecord } from '../storage/store.js';

/**
 * This node's caches of keys, root keys and rate-limit namespaces, and how an invalidation (from the bus or the change
 * log, docs/decisions/0013-invalidation-change-log.md) reaches them.
 */
export function createCaches(config: Readonly<Config>, clock: Clock) {
  const cacheOptions = {
    maxEntries: config.cacheSize,
    maxMisses: config.cacheMissSize,
    freshMs: config.cacheFreshMs,
    staleMs: config.cacheStaleMs,
    clock,
  };
  const keyCache = new SwrCache<KeyRecord>(cacheOptions);
  const rootKeyCache = new SwrCache<CachedRootKey>(cacheOptions);
  const ratelimitNamespaceCache = new SwrCache<CachedNamespace>(cacheOptions);

  const invalidate = (message: Invalidation) => {
    switch (message.kind) {
      case 'key':
        // A node still running a version before 0003_key_hash_per_workspace names no workspace (during a rolling
        // upgrade): drop the hash in every workspace rather than miss a revocation.
        if (typeof message.workspaceId !== 'string') keyCache.invalidateWhere((key) => key.hash === message.hash);
        else keyCache.invalidate(keyCacheKey(message.workspaceId, message.hash));
        break;
      case 'rootKey':
        rootKeyCache.invalidate(message.hash);
        break;
      case 'workspace':
        keyCache.invalidateWhere((key) => key.workspaceId === message.workspaceId);
        rootKeyCache.invalidateWhere((rootKey) => rootKey.workspaceId === message.workspaceId);
        ratelimitNamespaceCache.invalidateWhere((entry) => entry.workspaceId === message.workspaceId);
        break;
      case 'ratelimitNamespace':
        ratelimitNamespaceCache.invalidateWhere((entry) => entry.workspaceId === message.workspaceId);
        break;
      case 'all':
        keyCache.clear();
        rootKeyCache.clear();
        ratelimitNamespaceCache.clear();
        break;
    }
  };
  return { keyCache, rootKeyCache, ratelimitNamespaceCache, invalidate };
}
