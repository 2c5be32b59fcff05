import type { Redis } from 'ioredis';
import { createRedisClient } from '../redis/client.js';
import type { Invalidation, InvalidationBus } from './bus.js';

const CHANNEL = 'keyward:invalidate';

/**
 * The bus for many nodes: every node publishes its invalidations on one Redis channel and applies
 * everyone's. Pub/sub does not replay, so after the subscription drops (Redis restart, network) the
 * node cannot know what it missed: it tells its own handlers `all`, flushing its caches once.
 */
export class RedisBus implements InvalidationBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers: Array<(message: Invalidation) => void> = [];
  private readonly ready: Promise<unknown>;

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
      if (subscribedOnce) this.deliver({ kind: 'all' });
      subscribedOnce = true;
    });
    this.ready = this.subscriber.subscribe(CHANNEL);
  }

  private deliver(message: Invalidation): void {
    for (const handler of this.handlers) handler(message);
  }

  /** Applies locally at once (the next request on this node must see it), then tells the other nodes. */
  async publish(message: Invalidation): Promise<void> {
    this.deliver(message);
    await this.publisher.publish(CHANNEL, JSON.stringify(message));
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
