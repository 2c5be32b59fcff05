import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import { openSqlStore } from '../storage/sql/sql-store.js';
import type { Store } from '../storage/store.js';
import { systemContext } from './context.js';
import {
  NODE_CAPABILITIES,
  NODE_PRUNE_AFTER_MS,
  type NodeCapability,
  NodeRegistry,
  type NodeRegistryDeps,
  STALE_AFTER_HEARTBEATS,
} from './node-registry.js';
import { WorkspaceService } from './workspaces.js';
import { freshDatabase } from '../../test/harness.js';

/** The node registry on the engine under test: heartbeats, gone and pruned rows, who may list it. */
const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const HEARTBEAT_MS = 10_000;
let store: Store;
let drop: () => Promise<void>;
let firstWorkspace: string;
let laterWorkspace: string;
const clock = new TestClock(START);

const registry = (
  id: string,
  dependencies: NodeRegistryDeps['dependencies'] = async () => ({ database: 'ok', redis: 'unused' }),
  capabilities: NodeCapability[] = [NODE_CAPABILITIES.logsNewKeyHashes],
) =>
  new NodeRegistry({
    store,
    clock,
    heartbeatMs: HEARTBEAT_MS,
    self: { id, name: `name-${id}`, hostname: 'host', version: '9.9.9', engine: store.engine, startedAt: clock.now(), capabilities },
    dependencies,
  });

beforeAll(async () => {
  const database = await freshDatabase((process.env.KEYWARD_TEST_ENGINE as 'sqlite' | 'postgres' | undefined) ?? 'sqlite');
  drop = database.drop;
  store = await openSqlStore(database.url);
  const workspaces = new WorkspaceService({ store, clock });
  firstWorkspace = (await workspaces.bootstrap()).workspaceId;
  clock.advance(1);
  laterWorkspace = (await workspaces.bootstrap('tenant')).workspaceId;
});
afterAll(async () => {
  await store.close();
  await drop();
});

describe('NodeRegistry', () => {
  it('a heartbeat writes this node with what it sees; the list marks it, and a node silent for three heartbeats as gone', async () => {
    const seenAt = clock.now();
    const a = registry('node_a', async () => ({ database: 'ok', redis: 'timeout' }));
    const b = registry('node_b');
    await a.heartbeat();
    await b.heartbeat();
    const listed = await a.list(systemContext(firstWorkspace, 'test'));
    expect(listed.map((n) => [n.id, n.current, n.status])).toEqual([
      ['node_a', true, 'up'],
      ['node_b', false, 'up'],
    ]);
    expect(listed[0]).toMatchObject({ name: 'name-node_a', hostname: 'host', version: '9.9.9', redis: 'timeout', lastSeenAt: seenAt });

    clock.advance(HEARTBEAT_MS * STALE_AFTER_HEARTBEATS);
    await a.heartbeat();
    expect((await a.list(systemContext(firstWorkspace, 'test'))).map((n) => n.status)).toEqual(['up', 'up']);
    clock.advance(1);
    expect((await a.list(systemContext(firstWorkspace, 'test'))).map((n) => n.status)).toEqual(['up', 'gone']);
  });

  it("a clean stop deletes this node's row; rows silent past the prune bound go at the next heartbeat", async () => {
    const a = registry('node_a');
    await registry('node_c').heartbeat();
    await a.leave();
    expect((await store.listNodes()).map((n) => n.id)).not.toContain('node_a');
    clock.advance(NODE_PRUNE_AFTER_MS + 1);
    await a.heartbeat();
    expect((await store.listNodes()).map((n) => n.id)).toEqual(['node_a']);
  });

  it("refuses admins of any workspace but the installation's first: nodes are installation-wide", async () => {
    const error = await registry('node_a')
      .list(systemContext(laterWorkspace, 'test'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeywardError);
    expect((error as KeywardError).code).toBe('insufficient_permissions');
  });

  it('every live node advertises a capability until a node without it writes its row, and again once that node is gone', async () => {
    const a = registry('node_a');
    // Only this node's row from here on.
    clock.advance(NODE_PRUNE_AFTER_MS + 1);
    await a.heartbeat();
    expect(await a.everyLiveNodeAdvertises(NODE_CAPABILITIES.logsNewKeyHashes)).toBe(true);
    // A node of an earlier version: its row names no capability.
    const earlier = registry('node_earlier', undefined, []);
    await earlier.heartbeat();
    expect(await a.everyLiveNodeAdvertises(NODE_CAPABILITIES.logsNewKeyHashes)).toBe(false);
    clock.advance(HEARTBEAT_MS * STALE_AFTER_HEARTBEATS);
    await a.heartbeat();
    expect(await a.everyLiveNodeAdvertises(NODE_CAPABILITIES.logsNewKeyHashes)).toBe(false);
    // Silent for more than three heartbeats: gone, as the list shows it.
    clock.advance(1);
    expect(await a.everyLiveNodeAdvertises(NODE_CAPABILITIES.logsNewKeyHashes)).toBe(true);
    // Back, then stopped cleanly: its row deleted.
    await earlier.heartbeat();
    expect(await a.everyLiveNodeAdvertises(NODE_CAPABILITIES.logsNewKeyHashes)).toBe(false);
    await earlier.leave();
    expect(await a.everyLiveNodeAdvertises(NODE_CAPABILITIES.logsNewKeyHashes)).toBe(true);
  });
});
