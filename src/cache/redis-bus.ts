import type { Redis } from 'ioredis';
import { createRedisClient } from '../redis/client.js';
import type { Invalidation, InvalidationBus } from './bus.js';

const CHANNEL = 'keyward:invalidate';

/**
 * The bus for many nodes: every node publishes its invalidations on one Redis channel and applies
 * everyone's. Redis is the fast path only: every change is also in the database's change log
 * (docs/decisions/0013-invalidation-change-log.md), so a message Redis does not carry is not lost. Pub/sub
 * does not replay, so when the subscription returns (Redis restart, network) the node catches up from the
 * log (`onResubscribed`); without a listener it tells its own handlers `all`, flushing its caches once.
 */
export class RedisBus implements InvalidationBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers: Array<(message: Invalidation) => void> = [];
  private readonly ready: Promise<unknown>;
  private resubscribed: (() => void) | undefined;
  private sendFailed: (error: unknown) => void = () => undefined;

  constructor(url: string) {
    this.publisher = createRedisClient(url, 'bus publisher');
    this.subscriber = createRedisClient(url, 'bus subscriber', { subscriber: true });
    this.subscriber.on('message', (_channel: string, raw: string) => {
      let message: Invalidation;
      try {
        message = JSON.parse(raw) as Invalidation;
      } catch {
        return;
      }
      this.deliver(message);
    });
    let subscribedOnce = false;
    this.subscriber.on('ready', () => {
      // ioredis resubscribes by itself after a reconnect; messages sent meanwhile are lost.
      if (subscribedOnce) {
        if (this.resubscribed) this.resubscribed();
        else this.deliver({ kind: 'all' });
      }
      subscribedOnce = true;
    });
    this.ready = this.subscriber.subscribe(CHANNEL);
  }

  private deliver(message: Invalidation): void {
    for (const handler of this.handlers) handler(message);
  }

  /**
   * Applies locally at once (the next request on this node must see it), then waits until Redis has passed the
   * message to every subscribed node, so the caller answers only once the other nodes have been told: a client
   * that gets the answer and goes straight to another node is refused there (README's promise; test/cluster.test.ts).
   * The wait is bounded by the client's command timeout (src/redis/client.ts). The change is committed and logged,
   * so a failure to send (Redis unreachable or silent) goes to `onSendFailure`, never to the caller, and the other
   * nodes learn it from the log.
   */
  async publish(message: Invalidation): Promise<void> {
    this.deliver(message);
    await this.send(message).catch((error: unknown) => this.sendFailed(error));
  }

  /** Tells the other nodes only; rejects when Redis did not take the message (a CLI command says so). */
  async send(message: Invalidation): Promise<void> {
    await this.publisher.publish(CHANNEL, JSON.stringify(message));
  }

  /** Where a failed send is reported (server.ts logs it, throttled). */
  onSendFailure(listener: (error: unknown) => void): void {
    this.sendFailed = listener;
  }

  /** Called instead of flushing every cache when the subscription returns after a drop. */
  onResubscribed(listener: () => void): void {
    this.resubscribed = listener;
  }

  subscribe(handler: (message: Invalidation) => void): void {
    this.handlers.push(handler);
  }

  /** Resolves once the subscription is live. */
  async connected(): Promise<void> {
    await this.ready;
  }

  async close(): Promise<void> {
    this.handlers.length = 0;
    await Promise.all([this.publisher.quit().catch(() => undefined), this.subscriber.quit().catch(() => undefined)]);
  }
}
