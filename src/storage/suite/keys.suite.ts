import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import { generateKey } from '../../core/key-format.js';
import type { Store } from '../store.js';
import { NOW, DAY, keyRow, limit, type StoreSuite } from './fixtures.js';

export function keyCases(suite: StoreSuite): void {
  describe('keys', () => {
    const { newWorkspace, newApi, newKey, fixture } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('inserts a key and finds it by id (own workspace only) and by hash, with everything verify needs', async () => {
      const { workspaceId, apiId } = await fixture();
      const identityId = await store.upsertIdentity(workspaceId, 'customer_9', NOW);
      const row = await newKey(workspaceId, apiId, {
        name: 'primary',
        identityId,
        meta: { plan: 'pro', nested: { n: 1 } },
        enabled: false,
        expires: NOW + DAY,
        remaining: 50,
        refill: { amount: 100, day: 1 },
      });
      const expected = {
        id: row.id,
        workspaceId,
        apiId,
        hash: row.hash,
        start: row.start,
        prefix: 'cf',
        name: 'primary',
        meta: { plan: 'pro', nested: { n: 1 } },
        enabled: false,
        expires: NOW + DAY,
        remaining: 50,
        refill: { amount: 100, day: 1 },
        lastRefillAt: NOW,
        createdAt: NOW,
        updatedAt: null,
        lastUsedAt: null,
        identity: { id: identityId, externalId: 'customer_9', meta: {}, ratelimits: [] },
        permissions: [],
        roles: [],
        rolePermissions: [],
        ratelimits: [],
        apiIpWhitelist: null,
        oneTime: false,
        consumedAt: null,
        slidingExpiration: null,
        // A refilling key's alerts measure use against its refill amount (docs/decisions/0027).
        creditsBase: 100,
      };
      expect(await store.findKey(workspaceId, row.id)).toEqual(expected);
      // A disabled key is still found: verify must answer DISABLED, not NOT_FOUND.
      expect(await store.findKeyByHash(workspaceId, row.hash)).toEqual(expected);
      expect(await store.findKey(await newWorkspace(), row.id)).toBeUndefined();
      expect(await store.findKeyByHash(workspaceId, generateKey(16).hash)).toBeUndefined();

      const bare = await newKey(workspaceId, apiId, { prefix: null });
      expect(await store.findKey(workspaceId, bare.id)).toMatchObject({
        prefix: null,
        name: null,
        meta: null,
        expires: null,
        remaining: null,
        refill: null,
        lastRefillAt: null,
        identity: null,
      });
    });

    it('a hash is unique per workspace: two workspaces may hold it, each finds only its own key', async () => {
      const mine = await fixture();
      const theirs = await fixture();
      const shared = generateKey(16, 'cf');
      const myKey = await newKey(mine.workspaceId, mine.apiId, { hash: shared.hash, name: 'mine' });
      const theirKey = await newKey(theirs.workspaceId, theirs.apiId, { hash: shared.hash, name: 'theirs' });
      expect(await store.findKeyByHash(mine.workspaceId, shared.hash)).toMatchObject({ id: myKey.id, workspaceId: mine.workspaceId });
      expect(await store.findKeyByHash(theirs.workspaceId, shared.hash)).toMatchObject({
        id: theirKey.id,
        workspaceId: theirs.workspaceId,
      });
      // A third workspace finds nothing, and no workspace finds another's key with a hash only that one has.
      expect(await store.findKeyByHash(await newWorkspace(), shared.hash)).toBeUndefined();
      const only = await newKey(theirs.workspaceId, theirs.apiId);
      expect(await store.findKeyByHash(mine.workspaceId, only.hash)).toBeUndefined();
      // Within one workspace the hash stays unique, even against a deleted key; another workspace's delete changes nothing.
      await expect(newKey(mine.workspaceId, (await newApi(mine.workspaceId)).id, { hash: shared.hash })).rejects.toThrow();
      await store.softDeleteKey(theirKey.id, NOW + 1);
      await expect(newKey(theirs.workspaceId, theirs.apiId, { hash: shared.hash })).rejects.toThrow();
      expect(await store.findKeyByHash(theirs.workspaceId, shared.hash)).toBeUndefined();
      expect(await store.findKeyByHash(mine.workspaceId, shared.hash)).toMatchObject({ id: myKey.id });
    });

    it("listKeyHashes pages through a workspace's live keys' hashes in order, its own workspace only", async () => {
      const { workspaceId, apiId } = await fixture();
      const rows = [];
      for (let i = 0; i < 7; i++) rows.push(await newKey(workspaceId, apiId));
      await store.softDeleteKey(rows[0]!.id, NOW);
      const other = await fixture();
      await newKey(other.workspaceId, other.apiId);
      const live = rows.slice(1).map((row) => row.hash);
      const pages: string[][] = [];
      for (let after: string | null = null; ; ) {
        const page = await store.listKeyHashes(workspaceId, after, 4);
        pages.push(page);
        if (page.length < 4) break;
        after = page[page.length - 1]!;
      }
      expect(pages.map((page) => page.length)).toEqual([4, 2]);
      // In the store's own order (what the next page starts after), each live hash once, the deleted one not.
      expect(pages.flat().sort()).toEqual([...live].sort());
      expect(new Set(pages.flat()).size).toBe(live.length);
    });

    it('lists the keys of one API in id order, page by page, optionally for one identity', async () => {
      const { workspaceId, apiId } = await fixture();
      const otherApi = await newApi(workspaceId);
      const identityId = await store.upsertIdentity(workspaceId, 'lister', NOW);
      const keys = [];
      for (let i = 0; i < 5; i++) keys.push(await newKey(workspaceId, apiId, i % 2 === 0 ? { identityId } : {}));
      await newKey(workspaceId, otherApi.id, { identityId });
      const gone = await newKey(workspaceId, apiId, { identityId });
      await store.softDeleteKey(gone.id, NOW);
      const expected = keys.map((k) => k.id).sort();

      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 5; page++) {
        const rows = await store.listKeys({ workspaceId, apiId, limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...rows.map((r) => r.id));
        if (rows.length < 2) break;
        cursor = rows.at(-1)!.id;
      }
      expect(seen).toEqual(expected);

      const withIdentity = await store.listKeys({ workspaceId, apiId, identityId, limit: 10 });
      expect(withIdentity.map((k) => k.id)).toEqual(
        keys
          .filter((_, i) => i % 2 === 0)
          .map((k) => k.id)
          .sort(),
      );
      expect(withIdentity.every((k) => k.identity?.externalId === 'lister')).toBe(true);
      expect(await store.listKeys({ workspaceId: await newWorkspace(), apiId, limit: 10 })).toEqual([]);
    });

    it('a listed key is the record findKey returns: limits, identity and its limits, permissions, roles, meta, credits', async () => {
      // listKeys assembles a page from set queries (sql/key-list.ts), findKey from one statement per key (sql/keys.ts).
      const { workspaceId, apiId } = await fixture();
      await store.updateApiSettings(workspaceId, apiId, { ipWhitelist: ['10.0.0.0/8'] }, NOW);
      const otherApi = await newApi(workspaceId);
      const reader = { id: newId('role', NOW), workspaceId, name: 'reader', description: null, createdAt: NOW };
      const writer = { id: newId('role', NOW), workspaceId, name: 'writer', description: null, createdAt: NOW };
      await store.insertRole(reader);
      await store.insertRole(writer);
      await store.setRolePermissions(workspaceId, reader.id, ['docs.read', 'docs.list'], NOW);
      await store.setRolePermissions(workspaceId, writer.id, ['docs.write', 'docs.read'], NOW);
      const shared = await store.upsertIdentity(workspaceId, 'shared_owner', NOW);
      await store.replaceIdentityRatelimits(workspaceId, shared, [limit('team_b', 5), limit('team_a', 100, 1_000, true)], NOW);
      const plain = await store.upsertIdentity(workspaceId, 'plain_owner', NOW);
      const gone = await store.upsertIdentity(workspaceId, 'gone_owner', NOW);
      await store.replaceIdentityRatelimits(workspaceId, gone, [limit('gone_limit')], NOW);

      const ids: string[] = [];
      const add = async (fields: Parameters<typeof newKey>[2], setUp: (keyId: string) => Promise<unknown> = async () => undefined) => {
        const row = await newKey(workspaceId, apiId, fields);
        await setUp(row.id);
        ids.push(row.id);
      };
      await add(
        {
          name: 'everything',
          identityId: shared,
          meta: { plan: 'pro', nested: { n: [1, 2] } },
          remaining: 7,
          refill: { amount: 9, day: null },
        },
        async (id) => {
          await store.replaceKeyRatelimits(workspaceId, id, [limit('zeta', 3), limit('alpha', 1, 1_000, true)], NOW);
          await store.setKeyPermissions(workspaceId, id, ['docs.read', 'direct.only'], NOW);
          await store.setKeyRoles(workspaceId, id, ['reader', 'writer'], NOW);
        },
      );
      await add({ identityId: shared, enabled: false }, (id) => store.setKeyRoles(workspaceId, id, ['writer'], NOW));
      await add({ identityId: plain, expires: NOW + DAY, remaining: 0 }, (id) =>
        store.setKeyPermissions(workspaceId, id, ['direct.only'], NOW),
      );
      await add({ identityId: gone, name: 'identity deleted' });
      await add({ prefix: null });
      await add({ name: 'limits only' }, (id) => store.replaceKeyRatelimits(workspaceId, id, [limit('only', 2)], NOW));
      // Every other column set, each to a value of its own: a page's rows are read by position (key-rows.ts,
      // KeyColumnValues), so two columns swapped would show here.
      await add(
        { oneTime: true, slidingExpiration: 3_600_000, expires: NOW + 2 * DAY, remaining: 5, refill: { amount: 8, day: 12 } },
        async (id) => {
          expect(await store.consumeOneTimeKey(id, { now: NOW + 3, updatedAt: null })).toBe(true);
          await store.recordKeyUsage(new Map([[id, NOW + 4]]));
          await store.updateKey(id, { name: 'every column' }, NOW + 5);
        },
      );
      await store.softDeleteIdentity(workspaceId, gone, NOW);
      // Another API's key with the same identity, roles and permissions is not on the page.
      const elsewhere = await newKey(workspaceId, otherApi.id, { identityId: shared });
      await store.setKeyRoles(workspaceId, elsewhere.id, ['reader'], NOW);
      await store.setKeyPermissions(workspaceId, elsewhere.id, ['elsewhere.only'], NOW);

      const expected = await Promise.all(ids.sort().map(async (id) => (await store.findKey(workspaceId, id))!));
      expect(expected.find((k) => k.name === 'everything')).toMatchObject({
        ratelimits: [{ name: 'alpha' }, { name: 'zeta' }],
        roles: ['reader', 'writer'],
        rolePermissions: ['docs.list', 'docs.read', 'docs.write'],
        identity: { externalId: 'shared_owner', ratelimits: [{ name: 'team_a' }, { name: 'team_b' }] },
        apiIpWhitelist: ['10.0.0.0/8'],
      });
      expect(expected.find((k) => k.name === 'every column')).toMatchObject({
        oneTime: true,
        consumedAt: NOW + 3,
        lastUsedAt: NOW + 4,
        updatedAt: NOW + 5,
        slidingExpiration: 3_600_000,
        refill: { amount: 8, day: 12 },
        creditsBase: 8,
      });
      expect(await store.listKeys({ workspaceId, apiId, limit: 100 })).toEqual(expected);
      // Page by page from a cursor, and filtered by identity: the same records.
      const paged = [];
      let cursor: string | undefined;
      do {
        const rows = await store.listKeys({ workspaceId, apiId, limit: 4, ...(cursor ? { cursor } : {}) });
        paged.push(...rows);
        cursor = rows.length === 4 ? rows.at(-1)!.id : undefined;
      } while (cursor);
      expect(paged).toEqual(expected);
      expect(await store.listKeys({ workspaceId, apiId, identityId: shared, limit: 100 })).toEqual(
        expected.filter((k) => k.identity?.id === shared),
      );
    });

    it('a listed key keeps text JSON must escape and the largest exact integers (the page is read as one JSON text)', async () => {
      // sql/key-list.ts has the database build the page as JSON and parses it (docs/decisions/0037): quotes, backslashes,
      // control characters, U+2028 and characters outside the BMP in names and meta, and integers up to 2^53 - 1, must
      // come back as findKey reads them from the columns.
      const { workspaceId, apiId } = await fixture();
      const awkward = 'q"uote \\ back\nline\ttab \u2028 sep \u0001 ctl \u{1F511} key ] }, "x": [';
      const meta = { [awkward]: awkward, n: -0.5, big: 9_007_199_254_740_991, list: [null, true, { deep: '\u00e9' }] };
      const plain = await newKey(workspaceId, apiId, { name: null });
      const odd = await newKey(workspaceId, apiId, {
        name: awkward,
        meta,
        remaining: Number.MAX_SAFE_INTEGER,
        expires: 8_640_000_000_000_000,
        refill: { amount: Number.MAX_SAFE_INTEGER, day: 31 },
      });
      const expected = await Promise.all([plain.id, odd.id].sort().map(async (id) => (await store.findKey(workspaceId, id))!));
      expect(expected.find((k) => k.id === odd.id)).toMatchObject({ name: awkward, meta, remaining: Number.MAX_SAFE_INTEGER });
      expect(await store.listKeys({ workspaceId, apiId, limit: 100 })).toEqual(expected);
    });

    it('search keeps keys whose name contains it or whose start begins with it, ignoring case, % and _ taken literally', async () => {
      const { workspaceId, apiId } = await fixture();
      const named = async (name: string | null, start: string) => (await newKey(workspaceId, apiId, { name, start })).id;
      const billing = await named('Billing worker', 'svc_AbCd');
      const percent = await named('50%_off', 'svc_EfGh');
      const unnamed = await named(null, 'web_XyZw');
      await named('reporting', 'svc_IjKl');
      const otherApi = await newApi(workspaceId);
      await newKey(workspaceId, otherApi.id, { name: 'billing elsewhere' });
      const search = async (text: string, cursor?: string) =>
        (await store.listKeys({ workspaceId, apiId, search: text, limit: 10, ...(cursor ? { cursor } : {}) })).map((k) => k.id);

      expect(await search('BILLING')).toEqual([billing]);
      expect(await search('web_x')).toEqual([unnamed]);
      // The start matches from its beginning only: `AbCd` is inside `svc_AbCd`, not at its start.
      expect(await search('AbCd')).toEqual([]);
      expect((await search('SVC_')).sort()).toEqual(
        [billing, percent, (await store.listKeys({ workspaceId, apiId, limit: 10 })).find((k) => k.name === 'reporting')!.id].sort(),
      );
      expect(await search('0%_')).toEqual([percent]);
      expect(await search('0_o')).toEqual([]);
      expect(await search('b%g')).toEqual([]);
      // Paged like the rest: after the cursor, in id order.
      const svc = (await search('svc_')).sort();
      expect(await search('svc_', svc[0])).toEqual(svc.slice(1));
      expect(await store.listKeys({ workspaceId: await newWorkspace(), apiId, search: 'billing', limit: 10 })).toEqual([]);
    });

    it('updateKey writes present fields (null included) and leaves absent ones alone', async () => {
      const { workspaceId, apiId } = await fixture();
      const identityId = await store.upsertIdentity(workspaceId, 'patched', NOW);
      const row = await newKey(workspaceId, apiId, {
        name: 'before',
        identityId,
        meta: { a: 1 },
        expires: NOW + DAY,
        remaining: 10,
        refill: { amount: 10, day: null },
      });
      const before = (await store.findKey(workspaceId, row.id))!;

      await store.updateKey(row.id, {}, NOW + 1);
      expect(await store.findKey(workspaceId, row.id)).toEqual({ ...before, updatedAt: NOW + 1 });

      await store.updateKey(row.id, { name: null, meta: { b: 2 } }, NOW + 2);
      expect(await store.findKey(workspaceId, row.id)).toEqual({ ...before, name: null, meta: { b: 2 }, updatedAt: NOW + 2 });

      await store.updateKey(row.id, { meta: null, enabled: false, expires: null, identityId: null }, NOW + 3);
      expect(await store.findKey(workspaceId, row.id)).toEqual({
        ...before,
        name: null,
        meta: null,
        enabled: false,
        expires: null,
        identity: null,
        updatedAt: NOW + 3,
      });

      await store.updateKey(row.id, { refill: null, remaining: null }, NOW + 4);
      expect(await store.findKey(workspaceId, row.id)).toMatchObject({ remaining: null, refill: null, lastRefillAt: null, enabled: false });

      await store.updateKey(row.id, { remaining: 5, refill: { amount: 20, day: 3 }, name: 'after' }, NOW + 5);
      expect(await store.findKey(workspaceId, row.id)).toMatchObject({
        name: 'after',
        remaining: 5,
        refill: { amount: 20, day: 3 },
        lastRefillAt: NOW + 5,
        updatedAt: NOW + 5,
      });
    });

    it('replaceKeyRatelimits keeps the ids of limits it keeps, updates them, adds and removes the rest', async () => {
      const { workspaceId, apiId } = await fixture();
      const row = await newKey(workspaceId, apiId);
      const [a, b] = [limit('alpha', 10), limit('beta', 20, 1000, true)];
      await store.replaceKeyRatelimits(workspaceId, row.id, [a, b], NOW);
      expect((await store.findKey(workspaceId, row.id))!.ratelimits).toEqual([
        { id: a.id, name: 'alpha', limit: 10, duration: 60_000, autoApply: false },
        { id: b.id, name: 'beta', limit: 20, duration: 1000, autoApply: true },
      ]);

      const betaAgain = limit('beta', 99, 5000, false);
      const gamma = limit('gamma', 1);
      await store.replaceKeyRatelimits(workspaceId, row.id, [betaAgain, gamma], NOW + 1);
      expect((await store.findKey(workspaceId, row.id))!.ratelimits).toEqual([
        { id: b.id, name: 'beta', limit: 99, duration: 5000, autoApply: false },
        { id: gamma.id, name: 'gamma', limit: 1, duration: 60_000, autoApply: false },
      ]);

      // Another key's limits of the same name are separate.
      const sibling = await newKey(workspaceId, apiId);
      await store.replaceKeyRatelimits(workspaceId, sibling.id, [limit('beta', 1)], NOW);
      expect((await store.findKey(workspaceId, row.id))!.ratelimits.map((l) => l.limit)).toEqual([99, 1]);

      await store.replaceKeyRatelimits(workspaceId, row.id, [], NOW + 2);
      expect((await store.findKey(workspaceId, row.id))!.ratelimits).toEqual([]);
      expect((await store.findKey(workspaceId, sibling.id))!.ratelimits).toHaveLength(1);
    });

    it('setKeyPermissions replaces the direct permissions, creating missing ones, per workspace', async () => {
      const { workspaceId, apiId } = await fixture();
      const first = await newKey(workspaceId, apiId);
      const second = await newKey(workspaceId, apiId);
      await store.setKeyPermissions(workspaceId, first.id, ['docs.read', 'docs.write', 'docs.read'], NOW);
      expect((await store.findKey(workspaceId, first.id))!.permissions).toEqual(['docs.read', 'docs.write']);

      // Slugs that already exist in the workspace are reused, not duplicated (which would violate uniqueness).
      await store.setKeyPermissions(workspaceId, second.id, ['docs.write', 'billing.*'], NOW);
      expect((await store.findKey(workspaceId, second.id))!.permissions).toEqual(['billing.*', 'docs.write']);

      await store.setKeyPermissions(workspaceId, first.id, ['docs.write', 'admin'], NOW + 1);
      expect((await store.findKey(workspaceId, first.id))!.permissions).toEqual(['admin', 'docs.write']);
      expect((await store.findKey(workspaceId, second.id))!.permissions).toEqual(['billing.*', 'docs.write']);

      const elsewhere = await fixture();
      const foreign = await newKey(elsewhere.workspaceId, elsewhere.apiId);
      await store.setKeyPermissions(elsewhere.workspaceId, foreign.id, ['docs.write'], NOW);
      expect((await store.findKey(elsewhere.workspaceId, foreign.id))!.permissions).toEqual(['docs.write']);

      await store.setKeyPermissions(workspaceId, first.id, [], NOW + 2);
      expect((await store.findKey(workspaceId, first.id))!.permissions).toEqual([]);
    });

    it('setKeyRoles reports the names that do not exist and then changes nothing; [] clears', async () => {
      const { workspaceId, apiId } = await fixture();
      const row = await newKey(workspaceId, apiId);
      expect(await store.setKeyRoles(workspaceId, row.id, ['admin', 'viewer', 'admin'], NOW)).toEqual(['admin', 'viewer']);
      expect((await store.findKey(workspaceId, row.id))!.roles).toEqual([]);
      expect(await store.setKeyRoles(workspaceId, row.id, [], NOW)).toEqual([]);
      expect((await store.findKey(workspaceId, row.id))!.roles).toEqual([]);
    });

    it('soft delete hides a key but keeps its row; purge removes it and everything attached', async () => {
      const { workspaceId, apiId } = await fixture();
      const soft = await newKey(workspaceId, apiId, { remaining: 1 });
      await store.softDeleteKey(soft.id, NOW + 1);
      expect(await store.findKey(workspaceId, soft.id)).toBeUndefined();
      expect(await store.findKeyByHash(workspaceId, soft.hash)).toBeUndefined();
      expect(await store.listKeys({ workspaceId, apiId, limit: 10 })).toEqual([]);
      // The row is still there: its id cannot be reused.
      await expect(store.insertKey({ ...keyRow(workspaceId, apiId), id: soft.id })).rejects.toThrow();

      const purged = await newKey(workspaceId, apiId, { remaining: 1 });
      await store.replaceKeyRatelimits(workspaceId, purged.id, [limit('per_minute')], NOW);
      await store.setKeyPermissions(workspaceId, purged.id, ['docs.read'], NOW);
      await store.purgeKey(purged.id);
      expect(await store.findKeyByHash(workspaceId, purged.hash)).toBeUndefined();
      expect(await store.readCredits(purged.id)).toBeUndefined();
      // Re-inserting the same id and hash works, and nothing of the purged key comes back with it.
      await store.insertKey({ ...purged, remaining: null });
      expect(await store.findKey(workspaceId, purged.id)).toMatchObject({ ratelimits: [], permissions: [], remaining: null });
    });
  });
}
