import type { Invalidation, InvalidationBus } from '../cache/bus.js';
import type { PrimaryChannel } from './primary-channel.js';

/**
 * A worker's bus: what the worker's own bus does (its handlers, and Redis to other machines when configured), then the
 * sibling workers on this machine through the primary. `publish` resolves only once every sibling applied the
 * invalidation (or the primary's bound ran out, primary.ts), so the change's answer leaves after every worker's cache
 * dropped the entry: the very next request refuses a revoked key on whichever worker it reaches, with or without Redis.
 */
export class WorkerBus implements InvalidationBus {
  private readonly handlers: Array<(message: Invalidation) => void> = [];

  constructor(
    private readonly own: InvalidationBus,
    private readonly channel: PrimaryChannel,
  ) {
    channel.on('invalidate', ({ id, message }) => {
      for (const handler of this.handlers) handler(message);
      channel.notify({ kw: 'applied', id });
    });
  }

  async publish(message: Invalidation): Promise<void> {
    await this.own.publish(message);
    // Committed and in the change log already: a primary that does not answer costs the siblings a poll interval.
    await this.channel.request({ kw: 'publish', message }).catch(() => undefined);
  }

  subscribe(handler: (message: Invalidation) => void): void {
    this.own.subscribe(handler);
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    this.handlers.length = 0;
    await this.own.close();
  }
}
