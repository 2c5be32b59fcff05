import { CHANGE_LOG_RETENTION_MS } from '../cache/change-follower.js';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { Services } from '../services/index.js';
import type { UsageBuffer } from '../services/usage-buffer.js';
import type { Store } from '../storage/store.js';
import type { Vault } from '../vault/vault.js';
import { sealPlaintextWebhookSecrets } from '../webhooks/endpoint-secrets.js';

/** Keys `key.expiring` marks per transaction: a few milliseconds of work each, however many keys expire at once. */
const EXPIRING_ALERTS_BATCH = 1000;

/**
 * The periodic jobs, run once per call (on a timer: server/background-jobs.ts; tests call it with a test clock).
 * Each job runs even when another fails (the database may be away): usage not written stays buffered, bounded, for
 * the next run. The refill first, apart from the usage writes, as both update keys' rows. The first failure is
 * rethrown. Every worker writes back its own buffers; the refill, alerts and pruning run in one process per machine.
 */
export function periodicJobs(deps: {
  config: Readonly<Config>;
  store: Store;
  clock: Clock;
  vault: Vault | null;
  services: Services;
  rootKeyUsage: UsageBuffer;
  runsMachineJobs: boolean;
}): () => Promise<void> {
  const { config, store, clock, vault, services } = deps;
  // `key.expiring` (docs/decisions/0027): batches until none is left, one node at a time on PostgreSQL.
  const alertExpiringKeys = async () => {
    if (config.alertKeyExpiringMs === 0) return;
    while ((await store.alertExpiringKeys(clock.now(), config.alertKeyExpiringMs, EXPIRING_ALERTS_BATCH)) === EXPIRING_ALERTS_BATCH);
  };
  // Endpoint secrets stored before the vault was configured are sealed by it (docs/decisions/0030).
  const sealWebhookSecrets = async () => {
    if (vault !== null) await sealPlaintextWebhookSecrets(store, vault);
  };
  return async () => {
    const outcomes = [
      ...(deps.runsMachineJobs ? await Promise.allSettled([services.keys.refillCredits(), alertExpiringKeys(), sealWebhookSecrets()]) : []),
      // Every node prunes the change log: a delete of what another node deleted already deletes nothing.
      ...(await Promise.allSettled([
        services.verify.flushUsage(),
        deps.rootKeyUsage.flush(),
        ...(deps.runsMachineJobs
          ? [
              store.pruneChanges(clock.now() - CHANGE_LOG_RETENTION_MS),
              // Past their window these change nothing (storage/pruning.ts); one node at a time on PostgreSQL.
              store.pruneRatelimitAlerts(clock.now() - config.alertRatelimit.cooldownMs),
              store.pruneRetiredRootKeys(clock.now()),
            ]
          : []),
      ])),
    ];
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  };
}
