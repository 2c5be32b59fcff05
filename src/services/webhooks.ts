import type { Clock } from '../core/clock.js';
import { badInput } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AuditResource, Store, WebhookDeliveryRecord, WebhookEndpointChanges, WebhookEndpointRecord } from '../storage/store.js';
import type { Vault } from '../vault/vault.js';
import { endpointUrlProblem } from '../webhooks/address-policy.js';
import { sealEndpointSecret } from '../webhooks/endpoint-secrets.js';
import { WEBHOOK_RETRY_WINDOW_MS } from '../webhooks/events.js';
import { newWebhookSecret } from '../webhooks/standard-webhooks.js';
import { auditEntry } from './audit.js';
import { requirePermission } from './authorization.js';
import type { RequestContext } from './context.js';
import { webhookDeliveryNotFound, webhookEndpointNotFound } from './not-found.js';
import { fetchPage, type Page } from './pagination.js';

export interface WebhookServiceDeps {
  store: Store;
  clock: Clock;
  /** KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES; absent: off. */
  webhookAllowPrivateAddresses?: boolean;
  /** Seals endpoint secrets at rest (webhooks/endpoint-secrets.ts); null or absent: they are stored as they are. */
  vault?: Vault | null;
}

export interface CreateEndpointInput {
  url: string;
  description?: string;
  eventTypes: string[];
  enabled: boolean;
}

const endpointResource = (endpointId: string): AuditResource => ({ type: 'webhookEndpoint', id: endpointId });

/**
 * webhooks.*: a workspace's endpoints (each change audited in its transaction, decision 0010) and the log of their
 * deliveries. What is delivered is queued by the store (storage/sql/webhooks.ts) and sent by webhooks/dispatcher.ts.
 */
export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  private checkUrl(url: string, location: string): void {
    const problem = endpointUrlProblem(url, this.deps.webhookAllowPrivateAddresses ?? false);
    if (problem !== undefined) {
      throw badInput(`The webhook URL ${problem}.`, [
        { location, message: `the URL ${problem}`, fix: 'give a public http(s) URL the receiver answers at' },
      ]);
    }
  }

  /** Creates an endpoint; its secret is returned here only. */
  async createEndpoint(ctx: RequestContext, input: CreateEndpointInput): Promise<{ endpointId: string; secret: string }> {
    requirePermission(ctx, ['webhook.*.create_webhook']);
    this.checkUrl(input.url, 'body.url');
    const now = this.deps.clock.now();
    const endpointId = newId('webhookEndpoint', now);
    const secret = newWebhookSecret();
    // Before the transaction: a remote vault's call must not hold the database's write lock (decision 0005).
    const stored = await sealEndpointSecret(this.deps.vault ?? null, { workspaceId: ctx.workspaceId, endpointId }, secret);
    await this.deps.store.transaction(async (tx) => {
      await tx.createWebhookEndpoint({
        id: endpointId,
        workspaceId: ctx.workspaceId,
        url: input.url,
        description: input.description ?? null,
        secret: stored,
        eventTypes: input.eventTypes,
        enabled: input.enabled,
        createdAt: now,
        updatedAt: null,
      });
      await tx.appendAudit(
        auditEntry(ctx, now, 'webhook.create', `Created webhook endpoint ${endpointId} for ${eventsText(input.eventTypes)}`, [
          endpointResource(endpointId),
        ]),
      );
    });
    return { endpointId, secret };
  }

  async listEndpoints(ctx: RequestContext, page: { cursor?: string; limit: number }): Promise<Page<WebhookEndpointRecord>> {
    requirePermission(ctx, ['webhook.*.read_webhook']);
    return fetchPage(page, (window) => this.deps.store.listWebhookEndpoints({ ...window, workspaceId: ctx.workspaceId }));
  }

  async updateEndpoint(ctx: RequestContext, endpointId: string, changes: WebhookEndpointChanges): Promise<void> {
    requirePermission(ctx, ['webhook.*.update_webhook']);
    if (changes.url !== undefined) this.checkUrl(changes.url, 'body.url');
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.updateWebhookEndpoint(ctx.workspaceId, endpointId, changes, now))) throw webhookEndpointNotFound(endpointId);
      const fields = Object.keys(changes).filter((field) => changes[field as keyof WebhookEndpointChanges] !== undefined);
      await tx.appendAudit(
        auditEntry(ctx, now, 'webhook.update', `Updated webhook endpoint ${endpointId}: ${fields.join(', ') || 'nothing'}`, [
          endpointResource(endpointId),
        ]),
      );
    });
  }

  async deleteEndpoint(ctx: RequestContext, endpointId: string): Promise<void> {
    requirePermission(ctx, ['webhook.*.delete_webhook']);
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.deleteWebhookEndpoint(ctx.workspaceId, endpointId))) throw webhookEndpointNotFound(endpointId);
      await tx.appendAudit(
        auditEntry(ctx, now, 'webhook.delete', `Deleted webhook endpoint ${endpointId} and its deliveries`, [endpointResource(endpointId)]),
      );
    });
  }

  async listDeliveries(
    ctx: RequestContext,
    query: { endpointId?: string; cursor?: string; limit: number },
  ): Promise<Page<WebhookDeliveryRecord>> {
    requirePermission(ctx, ['webhook.*.read_webhook']);
    const { endpointId } = query;
    if (endpointId !== undefined && !(await this.deps.store.findWebhookEndpoint(ctx.workspaceId, endpointId))) {
      throw webhookEndpointNotFound(endpointId);
    }
    return fetchPage(query, (window) =>
      this.deps.store.listWebhookDeliveries({ ...window, workspaceId: ctx.workspaceId, ...(endpointId ? { endpointId } : {}) }),
    );
  }

  /** Sends a delivery again from now, whatever it came to before, with another day of retries. */
  async redeliver(ctx: RequestContext, deliveryId: string): Promise<void> {
    requirePermission(ctx, ['webhook.*.update_webhook']);
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      const delivery = await tx.findWebhookDelivery(ctx.workspaceId, deliveryId);
      if (!delivery || !(await tx.redeliverWebhook(ctx.workspaceId, deliveryId, now, now + WEBHOOK_RETRY_WINDOW_MS))) {
        throw webhookDeliveryNotFound(deliveryId);
      }
      await tx.appendAudit(
        auditEntry(ctx, now, 'webhook.redeliver', `Queued ${delivery.eventType} delivery ${deliveryId} again`, [
          endpointResource(delivery.endpointId),
          { type: 'webhookDelivery', id: deliveryId },
        ]),
      );
    });
  }
}

const eventsText = (types: string[]) => (types.length === 0 ? 'every event' : types.join(', '));
