import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Invalidation, InvalidationBus } from './bus.js';

/**
 * The conformance suite every InvalidationBus runs. `open` returns two buses standing for two nodes
 * (for the memory bus, the same bus twice: it has one node).
 */
export function busConformance(name: string, open: () => Promise<[InvalidationBus, InvalidationBus]>): void {
  describe(`InvalidationBus conformance: ${name}`, () => {
    let here: InvalidationBus;
    let there: InvalidationBus;
    beforeAll(async () => {
      [here, there] = await open();
    });
    afterAll(async () => {
      await here.close();
      if (there !== here) await there.close();
    });

    const collect = (bus: InvalidationBus) => {
      const seen: Invalidation[] = [];
      bus.subscribe((m) => seen.push(m));
      return seen;
    };
    const eventually = async (check: () => void, ms = 1000) => {
      const until = Date.now() + ms;
      for (;;) {
        try {
          return check();
        } catch (error) {
          if (Date.now() > until) throw error;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    it('delivers to the publishing node before publish resolves', async () => {
      const seen = collect(here);
      await here.publish({ kind: 'key', workspaceId: 'ws_local', hash: 'h-local' });
      expect(seen).toContainEqual({ kind: 'key', workspaceId: 'ws_local', hash: 'h-local' });
    });

    it('delivers every kind of message to the other node within a second', async () => {
      const seen = collect(there);
      const messages: Invalidation[] = [
        { kind: 'key', workspaceId: 'ws_1', hash: 'abc+/=' },
        { kind: 'rootKey', hash: 'def' },
        { kind: 'workspace', workspaceId: 'ws_1' },
        { kind: 'ratelimitNamespace', workspaceId: 'ws_2' },
      ];
      for (const message of messages) await here.publish(message);
      await eventually(() => {
        for (const m of messages) expect(seen).toContainEqual(m);
      });
    });
  });
}
