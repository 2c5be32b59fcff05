import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../cache/bus.js';
import { TestClock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import { hashKey } from '../core/key-format.js';
import { eitherScope, identityScope, keyScope, satisfies, urn, type Requirement } from '../core/permissions.js';
import { openSqlStore } from '../storage/sql/sql-store.js';
import type { Store } from '../storage/store.js';
import type { RequestContext } from './context.js';
import { RootKeyService } from './root-keys.js';
import { WorkspaceService } from './workspaces.js';

/**
 * No escalation, by property: for random caller permissions G and requested permissions R (tuples from the
 * catalogue, per-resource tuples and URN patterns), createRootKey succeeds exactly when every r in R is
 * satisfied by G according to an oracle written independently of the implementation, and the key it creates
 * never meets a check (the shapes Keyward's checks take) that the caller does not meet.
 */

const CREATE = 'rootkey.*.create_root_key';

const tuple = fc.oneof(
  fc
    .tuple(fc.constantFrom('read_key', 'update_key', 'create_key'), fc.constantFrom('*', 'api_1', 'api_2'))
    .map(([a, id]) => `api.${id}.${a}`),
  fc.constantFrom('*', 'id_1').map((id) => `identity.${id}.read_identity`),
  fc.constantFrom('audit.*.read_audit_log', 'api.*.create_api', 'rootkey.*.read_root_key', CREATE),
);

/** URN patterns over paths like `keyspaces/api_1/keys/key_1`, with wildcards anywhere the grammar allows. */
const urnPattern = fc
  .tuple(
    fc.array(fc.constantFrom('keyspaces', 'api_1', 'api_2', 'keys', 'key_1', '*'), { minLength: 0, maxLength: 4 }),
    fc.boolean(),
    fc.constantFrom('read_key', 'update_key', 'create_key', '*'),
  )
  .map(([head, deep, action]) => {
    const segments = deep || head.length === 0 ? [...head, '**'] : head;
    // `*` as an action only on the resource `**` (the grammar); elsewhere it becomes a plain action.
    const fixed = action === '*' && segments.join('/') !== '**' ? 'read_key' : action;
    return { segments, action: fixed };
  });

/** The oracle's reading of a pattern against a concrete path. */
const matches = (p: readonly string[], path: readonly string[]): boolean =>
  p.at(-1) === '**'
    ? path.length >= p.length && p.slice(0, -1).every((s, i) => s === '*' || s === path[i])
    : p.length === path.length && p.every((s, i) => s === '*' || s === path[i]);

/** Every concrete path up to one segment longer than any pattern, with a literal no pattern names. */
const UNIVERSE: string[][] = (() => {
  const alphabet = ['keyspaces', 'api_1', 'api_2', 'keys', 'key_1', 'other'];
  const paths: string[][] = [[]];
  for (let depth = 0; depth < 6; depth++) {
    for (const path of paths.filter((p) => p.length === depth)) for (const s of alphabet) paths.push([...path, s]);
  }
  return paths.filter((p) => p.length > 0);
})();

/** Oracle: may a holder of G grant r? A tuple held or held in its `*` form; a URN whose every match some URN in G matches. */
function grantable(
  granted: { tuples: string[]; urns: { segments: string[]; action: string }[] },
  r: string | { segments: string[]; action: string },
): boolean {
  if (typeof r === 'string') {
    const [type, , action] = r.split('.');
    return granted.tuples.includes(r) || granted.tuples.includes(`${type}.*.${action}`);
  }
  return granted.urns.some(
    (g) => (g.action === '*' || g.action === r.action) && UNIVERSE.every((path) => !matches(r.segments, path) || matches(g.segments, path)),
  );
}

const permissionSet = fc.record({
  tuples: fc.uniqueArray(tuple, { maxLength: 6 }),
  urns: fc.array(urnPattern, { maxLength: 3 }),
});

/** G, and R drawn partly from G (so that many requests are grantable) and partly at random. */
const callerAndRequest = permissionSet.chain((g) =>
  fc.record({
    g: fc.constant(g),
    r: fc.record({
      tuples: fc
        .tuple(fc.subarray(g.tuples), fc.uniqueArray(tuple, { maxLength: 2 }))
        .map(([mine, any]) => [...new Set([...mine, ...any])]),
      urns: fc.tuple(fc.subarray(g.urns), fc.array(urnPattern, { maxLength: 2 })).map(([mine, any]) => [...mine, ...any]),
    }),
  }),
);

/** The shapes Keyward's checks take: either-scope tuples, with or without a URN alternative. */
const requirement: fc.Arbitrary<Requirement> = fc.oneof(
  fc
    .tuple(fc.constantFrom('api_1', 'api_2'), fc.constantFrom('read_key', 'update_key', 'create_key'), fc.constantFrom('key_1', '*'))
    .map(([api, action, key]) => keyScope(api, action, key)),
  fc
    .tuple(fc.constantFrom('api_1', 'api_2'), fc.constantFrom('read_key', 'create_api'))
    .map(([api, action]) => eitherScope('api', api, action)),
  fc.constantFrom(
    identityScope('read_identity'),
    identityScope('read_identity', 'id_1'),
    ['audit.*.read_audit_log'],
    ['api.*.create_api'],
    [CREATE],
  ),
  urnPattern.map(({ segments, action }) => [urn(segments.join('/'), action === '*' ? 'read_key' : action)]),
);

let dir: string;
let store: Store;
let service: RootKeyService;
let workspaces: WorkspaceService;
let workspaceId: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-property-'));
  store = await openSqlStore(join(dir, 'keyward.sqlite'));
  const clock = new TestClock(Date.UTC(2026, 0, 15));
  service = new RootKeyService({ store, clock, bus: new MemoryBus() });
  workspaces = new WorkspaceService({ store, clock });
  workspaceId = (await workspaces.bootstrap()).workspaceId;
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('createRootKey never escalates', () => {
  it('succeeds iff the caller may grant every requested permission; the new key meets no check its creator does not', async () => {
    const text = (p: string | { segments: string[]; action: string }) =>
      typeof p === 'string' ? p : `unkey:v1:${workspaceId}:${p.segments.join('/')}#${p.action}`;
    let created = 0;
    await fc.assert(
      fc.asyncProperty(callerAndRequest, fc.array(requirement, { minLength: 5, maxLength: 10 }), async ({ g, r }, checks) => {
        const callerPermissions = [CREATE, ...g.tuples, ...g.urns.map(text)];
        const caller = await workspaces.createRootKey(workspaceId, callerPermissions, 'caller');
        const ctx: RequestContext = {
          workspaceId,
          actor: { type: 'root_key', id: caller.rootKeyId },
          permissions: new Set(callerPermissions),
          requestId: null,
          sourceIp: null,
          userAgent: null,
        };
        const requested = [...r.tuples, ...r.urns.map(text)];
        const expected = [...r.tuples, ...r.urns].every((p) => grantable({ tuples: [CREATE, ...g.tuples], urns: g.urns }, p));

        const outcome = await service.create(ctx, { name: 'property', permissions: requested }).then(
          (value) => value,
          (error: unknown) => {
            if (error instanceof KeywardError && error.code === 'insufficient_permissions') return undefined;
            throw error;
          },
        );
        expect(outcome !== undefined, JSON.stringify({ callerPermissions, requested })).toBe(expected);
        if (!outcome) return;
        created++;
        const stored = await store.findRootKeyByHash(hashKey(outcome.key));
        const effective = new Set(stored!.permissions);
        for (const check of checks) {
          if (satisfies(effective, workspaceId, check))
            expect(satisfies(ctx.permissions, workspaceId, check), JSON.stringify(check)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    // The property says little if nearly every attempt is refused.
    expect(created).toBeGreaterThan(40);
  });
});
