import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_CACHED_OVERRIDES } from '../../../services/ratelimits.js';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { alignClock, namespaceName, newNamespace, setOverride } from '../../../../test/ratelimit-fixtures.js';

/**
 * ratelimit.limit and multiLimit read namespaces and overrides through a per-node cache. Every test warms
 * the cache first, then changes something and expects the very next call to see it: the test clock never
 * moves past KEYWARD_CACHE_FRESH_MS here, so only an invalidation can make a call see a change.
 */

const t = useTestServer();
afterEach(() => {
  vi.restoreAllMocks();
});

const limit = caller(t, 'ratelimit.limit');
const multi = (body: unknown[], rootKey?: string) => t.call('ratelimit.multiLimit', body, rootKey ? { rootKey } : {});

/** A pure check (cost 0 counts nothing): what limit and override apply to `identifier` right now. */
async function applied(namespace: string, identifier: string): Promise<{ limit: number; overrideId?: string }> {
  const res = await limit({ namespace, identifier, limit: 1, duration: 60_000, cost: 0 });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const { limit: effective, overrideId } = res.body.data as { limit: number; overrideId?: string };
  return overrideId === undefined ? { limit: effective } : { limit: effective, overrideId };
}

/** Spies on every store method the limit path could read or write through. */
function spyOnStore() {
  const store = t.server.store;
  const methods = [
    'findRatelimitNamespace',
    'listRatelimitOverrides',
    'findRatelimitOverrideCandidates',
    'createRatelimitNamespace',
    'transaction',
  ] as const;
  return Object.fromEntries(methods.map((method) => [method, vi.spyOn(store, method)])) as Record<
    (typeof methods)[number],
    ReturnType<typeof vi.spyOn>
  >;
}

describe('ratelimit.limit through the namespace cache', () => {
  it('answers repeated limit and multiLimit calls on a warm namespace without a store query', async () => {
    alignClock(t, 60_000);
    const ns = await newNamespace(t);
    const premium = await setOverride(t, { namespace: ns.name, identifier: 'premium_*', limit: 9, duration: 60_000 });
    const items = [
      { namespace: ns.name, identifier: 'premium_ann', limit: 1, duration: 60_000, cost: 0 },
      { namespace: ns.id, identifier: 'free_bob', limit: 1, duration: 60_000, cost: 0 },
    ];
    await multi(items); // warms the entries under the name and under the id

    const spies = spyOnStore();
    for (let i = 0; i < 5; i++) {
      expect(await applied(ns.name, 'premium_ann')).toEqual({ limit: 9, overrideId: premium });
      expect(await applied(ns.id, 'free_bob')).toEqual({ limit: 1 });
      const res = await multi(items);
      expect(res.body.data.limits.map((l: { limit: number }) => l.limit)).toEqual([9, 1]);
    }
    for (const [method, spy] of Object.entries(spies)) expect(spy, method).not.toHaveBeenCalled();
  });

  it('applies an override from the very next call after setOverride, and no longer after deleteOverride', async () => {
    alignClock(t, 60_000);
    const ns = await newNamespace(t);
    expect(await applied(ns.name, 'vip')).toEqual({ limit: 1 });
    expect(await applied(ns.id, 'vip')).toEqual({ limit: 1 });

    const exact = await setOverride(t, { namespace: ns.name, identifier: 'vip', limit: 50, duration: 60_000 });
    expect(await applied(ns.name, 'vip')).toEqual({ limit: 50, overrideId: exact });
    expect(await applied(ns.id, 'vip')).toEqual({ limit: 50, overrideId: exact });

    // Replacing it keeps its id and takes effect at once too.
    expect(await setOverride(t, { namespace: ns.id, identifier: 'vip', limit: 60, duration: 60_000 })).toBe(exact);
    expect(await applied(ns.name, 'vip')).toEqual({ limit: 60, overrideId: exact });

    t.clock.advance(1); // storage order is creation order
    const wildcard = await setOverride(t, { namespace: ns.name, identifier: 'v*', limit: 7, duration: 60_000 });
    expect(await applied(ns.name, 'vip')).toEqual({ limit: 60, overrideId: exact });
    expect(await applied(ns.name, 'vera')).toEqual({ limit: 7, overrideId: wildcard });

    expect((await t.call('ratelimit.deleteOverride', { namespace: ns.name, identifier: 'vip' })).status).toBe(200);
    expect(await applied(ns.name, 'vip')).toEqual({ limit: 7, overrideId: wildcard });
    expect((await t.call('ratelimit.deleteOverride', { namespace: ns.id, identifier: 'v*' })).status).toBe(200);
    expect(await applied(ns.name, 'vip')).toEqual({ limit: 1 });
    expect(await applied(ns.id, 'vera')).toEqual({ limit: 1 });
  });

  it('answers 410 from the very next call after the namespace is deleted, by name and by id', async () => {
    const ns = await newNamespace(t);
    expect(await applied(ns.name, 'u')).toEqual({ limit: 1 });
    expect(await applied(ns.id, 'u')).toEqual({ limit: 1 });
    expect((await t.call('ratelimitNamespaces.deleteNamespace', { namespace: ns.name })).status).toBe(200);
    for (const namespace of [ns.name, ns.id]) {
      expect((await limit({ namespace, identifier: 'u', limit: 1, duration: 1000 })).status).toBe(410);
      expect((await multi([{ namespace, identifier: 'u', limit: 1, duration: 1000 }])).status).toBe(410);
    }
  });

  it('after a rename, the very next call finds the namespace by its new name and not by its old one', async () => {
    alignClock(t, 60_000);
    const ns = await newNamespace(t);
    const newName = namespaceName('renamed');
    // Limits existing namespaces but cannot create any: a missing namespace answers it 403.
    const limitOnly = await t.rootKeyWith(['ratelimit.*.limit']);
    const body = { identifier: 'u', limit: 1, duration: 60_000 };
    expect((await limit({ ...body, namespace: ns.name }, limitOnly)).body.data.success).toBe(true);
    expect((await limit({ ...body, namespace: ns.name }, limitOnly)).body.data.success).toBe(false);
    expect((await limit({ ...body, namespace: newName }, limitOnly)).status).toBe(403); // cached as missing

    expect((await t.call('ratelimitNamespaces.renameNamespace', { namespace: ns.name, name: newName })).status).toBe(200);
    // The same namespace (its counter is spent) under the new name...
    const renamed = await limit({ ...body, namespace: newName }, limitOnly);
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.success).toBe(false);
    // ...and the old name names nothing now: this key may not create it, the full one starts a new namespace.
    expect((await limit({ ...body, namespace: ns.name }, limitOnly)).status).toBe(403);
    expect((await limit({ ...body, namespace: ns.name })).body.data.success).toBe(true);
    expect((await t.server.store.findRatelimitNamespace(t.workspaceId, ns.name))!.id).not.toBe(ns.id);
  });

  it('finds a namespace created by a limit call on the very next call', async () => {
    const limitOnly = await t.rootKeyWith(['ratelimit.*.limit']);
    const name = namespaceName();
    const body = { namespace: name, identifier: 'u', limit: 1, duration: 60_000, cost: 0 };
    expect((await limit(body, limitOnly)).status).toBe(403); // cached as missing
    expect((await multi([body], limitOnly)).status).toBe(403);
    expect((await limit(body)).status).toBe(200); // creates it
    expect((await limit(body, limitOnly)).status).toBe(200);

    const other = namespaceName();
    expect((await multi([{ ...body, namespace: other }], limitOnly)).status).toBe(403);
    expect((await multi([body, { ...body, namespace: other }])).status).toBe(200); // creates the second
    expect((await multi([body, { ...body, namespace: other }], limitOnly)).status).toBe(200);
  });

  it('never keeps a load that began before a change: the call after the change sees it', async () => {
    const ns = await newNamespace(t);
    const store = t.server.store;
    const original = store.listRatelimitOverrides.bind(store);
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The first load reads the overrides, then waits while an override is set and announced.
    vi.spyOn(store, 'listRatelimitOverrides').mockImplementationOnce(async (query) => {
      const rows = await original(query);
      reached();
      await gate;
      return rows;
    });
    const pending = applied(ns.name, 'late');
    await atGate;
    const overrideId = await setOverride(t, { namespace: ns.name, identifier: 'late', limit: 7, duration: 60_000 });
    release();
    expect(await pending).toEqual({ limit: 1 }); // read before the change: answered, but not cached
    expect(await applied(ns.name, 'late')).toEqual({ limit: 7, overrideId });
  });

  it(`resolves exactly in a namespace with more than ${MAX_CACHED_OVERRIDES} overrides, reading only those per call`, async () => {
    alignClock(t, 60_000);
    const ns = await newNamespace(t);
    const wildcard = await setOverride(t, { namespace: ns.name, identifier: 'wild_*', limit: 3, duration: 60_000 });
    const ids: string[] = [];
    for (let i = 0; i < MAX_CACHED_OVERRIDES; i++) {
      t.clock.advance(1);
      ids.push(await setOverride(t, { namespace: ns.name, identifier: `bulk_${i}`, limit: 100 + i, duration: 60_000 }));
    }
    expect(await applied(ns.name, 'none')).toEqual({ limit: 1 }); // warms the namespace

    const spies = spyOnStore();
    expect(await applied(ns.name, 'bulk_42')).toEqual({ limit: 142, overrideId: ids[42] });
    expect(await applied(ns.name, `bulk_${MAX_CACHED_OVERRIDES - 1}`)).toEqual({
      limit: 99 + MAX_CACHED_OVERRIDES,
      overrideId: ids.at(-1),
    });
    expect(await applied(ns.name, 'wild_x')).toEqual({ limit: 3, overrideId: wildcard });
    expect(await applied(ns.name, 'none')).toEqual({ limit: 1 });
    expect(spies.findRatelimitNamespace).not.toHaveBeenCalled();
    expect(spies.listRatelimitOverrides).not.toHaveBeenCalled();
    expect(spies.findRatelimitOverrideCandidates).toHaveBeenCalledTimes(4);

    // Back under the bound, the overrides are cached again.
    expect((await t.call('ratelimit.deleteOverride', { namespace: ns.name, identifier: 'bulk_0' })).status).toBe(200);
    expect(await applied(ns.name, 'bulk_1')).toEqual({ limit: 101, overrideId: ids[1] });
    spies.findRatelimitOverrideCandidates.mockClear();
    expect(await applied(ns.name, 'bulk_0')).toEqual({ limit: 1 });
    expect(await applied(ns.name, 'wild_y')).toEqual({ limit: 3, overrideId: wildcard });
    expect(spies.findRatelimitOverrideCandidates).not.toHaveBeenCalled();
  });

  it("drops a workspace's entries on its `workspace` and `ratelimitNamespace` invalidations and on `all`, no other workspace's", async () => {
    const ns = await newNamespace(t);
    await applied(ns.name, 'u');
    const reads = spyOnStore().findRatelimitNamespace;
    const reloads = async () => {
      reads.mockClear();
      await applied(ns.name, 'u');
      await applied(ns.name, 'u');
      return reads.mock.calls.length;
    };

    const other = await t.newWorkspace();
    await t.server.bus.publish({ kind: 'workspace', workspaceId: other.workspaceId });
    await t.server.bus.publish({ kind: 'ratelimitNamespace', workspaceId: other.workspaceId });
    expect(await reloads()).toBe(0);
    await t.server.bus.publish({ kind: 'workspace', workspaceId: t.workspaceId });
    expect(await reloads()).toBe(1);
    await t.server.bus.publish({ kind: 'ratelimitNamespace', workspaceId: t.workspaceId });
    expect(await reloads()).toBe(1);
    await t.server.bus.publish({ kind: 'all' });
    expect(await reloads()).toBe(1);
  });
});
