import type { Clock } from '../core/clock.js';
import type { ClaimedWebhookDelivery, Store } from '../storage/store.js';
import type { Vault } from '../vault/vault.js';
import { openEndpointSecret, SecretSealedWithoutVaultError } from './endpoint-secrets.js';
import { sendWebhook, type SendLimits } from './send.js';
import { signWebhook } from './standard-webhooks.js';

/** The wait after failed attempt number `attempt` (1-based): 5 s, doubling, at most 4 hours. */
export function retryDelayMs(attempt: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempt - 1), 4 * 60 * 60 * 1000);
}

/**
 * When to try a delivery again after a failed attempt at `at`, or null to give up: the backoff, but never past the
 * delivery's last day, whose end gets one last attempt.
 */
export function nextAttemptAfterFailure(attempt: number, at: number, giveUpAt: number): number | null {
  if (at >= giveUpAt) return null;
  return Math.min(at + retryDelayMs(attempt), giveUpAt);
}

export interface WebhookDispatcherOptions extends SendLimits {
  store: Store;
  clock: Clock;
  /** Deliveries claimed and sent at once by one run. */
  batch?: number;
  /** Opens endpoint secrets sealed at rest (webhooks/endpoint-secrets.ts); null: only unsealed ones can be used. */
  vault: Vault | null;
  userAgent: string;
}

/**
 * Sends the outbox (docs/operations.md, "Webhooks"). Each run claims due deliveries for a lease longer than a send can
 * take (storage/webhooks.ts, claimWebhookDeliveries), so any number of nodes can run it at once and each attempt is
 * made by one of them. An outcome is recorded only for the attempt that was claimed; once a 2xx is recorded the
 * delivery is never sent again unless someone asks for it (webhooks.redeliver).
 */
export class WebhookDispatcher {
  private running: Promise<number> | undefined;
  private stopped = false;
  private readonly batch: number;
  private readonly leaseMs: number;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.batch = options.batch ?? 20;
    this.leaseMs = options.timeoutMs + 50_000;
  }

  /** Sends what is due until nothing is; the number of attempts made. One run at a time per process. */
  deliverDue(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** No run starts any more; resolves when the one in flight has recorded its outcomes. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async drain(): Promise<number> {
    let attempts = 0;
    for (;;) {
      const claimed = await this.options.store.claimWebhookDeliveries(this.options.clock.now(), this.batch, this.leaseMs);
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      attempts += claimed.length;
      if (claimed.length < this.batch || this.stopped) return attempts;
    }
  }

  private async attempt(delivery: ClaimedWebhookDelivery): Promise<void> {
    const { clock } = this.options;
    const secret = await this.openSecret(delivery);
    const outcome =
      typeof secret === 'string'
        ? await sendWebhook(
            delivery.url,
            { ...signWebhook(secret, delivery.id, clock.now() / 1000, delivery.payload), 'user-agent': this.options.userAgent },
            delivery.payload,
            this.options,
          )
        : // Not sent: an attempt like a refused connection, retried on the same schedule (the vault may answer again).
          { statusCode: null, error: secret.unopened, durationMs: 0 };
    const at = clock.now();
    const ok = outcome.error === null;
    await this.options.store.recordWebhookAttempt(delivery.id, delivery.attempts, {
      at,
      ok,
      statusCode: outcome.statusCode,
      error: outcome.error,
      durationMs: outcome.durationMs,
      nextAttemptAt: ok ? null : nextAttemptAfterFailure(delivery.attempts, at, delivery.giveUpAt),
    });
  }

  /** The secret to sign with, opened for this attempt only and not kept; or why it could not be. */
  private async openSecret(delivery: ClaimedWebhookDelivery): Promise<string | { unopened: string }> {
    const endpoint = { workspaceId: delivery.workspaceId, endpointId: delivery.endpointId };
    try {
      return await openEndpointSecret(this.options.vault, endpoint, delivery.secret);
    } catch (error) {
      return {
        unopened:
          error instanceof SecretSealedWithoutVaultError
            ? 'the endpoint secret is sealed by a vault and this node has none configured'
            : 'the vault could not open the endpoint secret',
      };
    }
  }
}
