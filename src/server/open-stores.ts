import { openAnalyticsStore } from '../analytics/open.js';
import type { Logger } from 'pino';
import type { AnalyticsStore } from '../analytics/store.js';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { ThrottledWarning } from '../core/throttled-warning.js';
import { openMainStore } from '../storage/open-configured.js';
import type { Store } from '../storage/store.js';
import { openVault } from '../vault/open.js';
import type { Vault } from '../vault/vault.js';

/** What a start has opened so far, closed in reverse order when a later step fails. */
export class OpenedSoFar {
  private readonly closers: (() => Promise<unknown> | undefined)[] = [];

  add(close: () => Promise<unknown> | undefined): void {
    this.closers.push(close);
  }

  /** `step`'s result; when it fails, everything added so far is closed and its error thrown. */
  async orCloseAll<T>(step: Promise<T>): Promise<T> {
    try {
      return await step;
    } catch (error) {
      await Promise.all(this.closers.reverse().map((close) => close()));
      throw error;
    }
  }
}

/**
 * The main store, then the analytics store (on PostgreSQL the main store's migrations made its tables), then the vault,
 * which fails closed at start when the master keys cannot unwrap its store (a version missing after a rotation).
 */
export async function openStores(
  config: Readonly<Config>,
  opened: OpenedSoFar,
  options: { clock: Clock; log: Logger; databaseFailures: ThrottledWarning },
): Promise<{ store: Store; analytics: AnalyticsStore; vault: Vault | null }> {
  const { log } = options;
  const store = await opened.orCloseAll(
    openMainStore(config, {
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      queryTimeoutMs: config.databaseQueryTimeoutMs,
      failures: options.databaseFailures,
      onHealthChange: (up: boolean, cause?: unknown) =>
        up ? log.warn('database answers again') : log.warn({ err: cause }, 'database stopped answering'),
    }),
  );
  opened.add(() => store.close());
  const analytics = await opened.orCloseAll(openAnalyticsStore(config));
  opened.add(() => analytics.close());
  const vault = await opened.orCloseAll(openVault(config, { logger: log, now: () => options.clock.now() }));
  opened.add(() => vault?.close());
  return { store, analytics, vault };
}
