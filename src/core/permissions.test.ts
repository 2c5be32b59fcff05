import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_WILDCARD_PERMISSIONS,
  eitherScope,
  firstUngrantable,
  grantsUrn,
  identityScope,
  keyScope,
  permissionProblem,
  permissionText,
  satisfies,
  urn,
} from './permissions.js';

const WS = 'ws_1';
const grants = (...permissions: string[]) => new Set(permissions);
const covered = (granted: string[], resource: string, action: string, workspaceId = WS) =>
  satisfies(grants(...granted), workspaceId, [urn(resource, action)]);
const U = (path: string, action: string, workspaceId = WS) => `unkey:v1:${workspaceId}:${path}#${action}`;

describe('tuple permissions', () => {
  it('match exactly: `*` is a literal the checks list beside the id, never a glob', () => {
    const anyOf = eitherScope('api', 'api_1', 'read_key');
    expect(anyOf).toEqual(['api.*.read_key', 'api.api_1.read_key']);
    expect(satisfies(grants('api.*.read_key'), WS, anyOf)).toBe(true);
    expect(satisfies(grants('api.api_1.read_key'), WS, anyOf)).toBe(true);
    expect(satisfies(grants('api.api_2.read_key', 'api.*.*', 'api.*.read_api'), WS, anyOf)).toBe(false);
    expect(satisfies(grants('api.*.read_key'), WS, [])).toBe(false);
  });

  it('a URN grant never stands for a tuple alternative', () => {
    expect(satisfies(grants(U('**', '*')), WS, ['api.*.create_api'])).toBe(false);
  });
});

describe('URN permissions', () => {
  it('a literal segment matches itself; `*` exactly one segment', () => {
    const key = 'keyspaces/api_1/keys/key_1';
    expect(covered([U(key, 'read_key')], key, 'read_key')).toBe(true);
    expect(covered([U('keyspaces/api_1/keys/*', 'read_key')], key, 'read_key')).toBe(true);
    expect(covered([U('keyspaces/*/keys/*', 'read_key')], key, 'read_key')).toBe(true);
    expect(covered([U('keyspaces/api_2/keys/*', 'read_key')], key, 'read_key')).toBe(false);
    expect(covered([U('keyspaces/*', 'read_key')], key, 'read_key')).toBe(false);
    expect(covered([U('keyspaces/api_1', 'read_key')], key, 'read_key')).toBe(false);
    expect(covered([U('keyspaces/api_1/keys/key_1/more', 'read_key')], key, 'read_key')).toBe(false);
  });

  it('`**` (last only) matches one or more further segments', () => {
    expect(covered([U('keyspaces/**', 'read_key')], 'keyspaces/api_1/keys/key_1', 'read_key')).toBe(true);
    expect(covered([U('keyspaces/**', 'create_key')], 'keyspaces/api_1', 'create_key')).toBe(true);
    expect(covered([U('keyspaces/**', 'create_key')], 'keyspaces', 'create_key')).toBe(false);
    expect(covered([U('**', 'read_key')], 'keyspaces/api_1/keys/key_1', 'read_key')).toBe(true);
    expect(covered([U('ratelimits/**', 'read_key')], 'keyspaces/api_1/keys/key_1', 'read_key')).toBe(false);
    // Malformed grants grant nothing, whatever they look like.
    expect(covered([U('**/keys/*', 'read_key'), U('keyspaces/api_*/**', 'read_key')], 'keyspaces/api_1/keys/key_1', 'read_key')).toBe(
      false,
    );
  });

  it('actions match exactly, or `*` on the resource `**` only', () => {
    expect(covered([U('keyspaces/**', 'read_key')], 'keyspaces/api_1/keys/key_1', 'update_key')).toBe(false);
    expect(covered([U('**', '*')], 'keyspaces/api_1/keys/key_1', 'update_key')).toBe(true);
    expect(covered([U('keyspaces/**', '*')], 'keyspaces/api_1/keys/key_1', 'update_key')).toBe(false);
  });

  it('workspace ids must be equal', () => {
    expect(covered([U('**', '*', 'ws_2')], 'keyspaces/api_1', 'create_key')).toBe(false);
    expect(covered([U('**', '*', 'ws_2')], 'keyspaces/api_1', 'create_key', 'ws_2')).toBe(true);
    expect(covered([U('**', '*', 'ws_1x')], 'keyspaces/api_1', 'create_key')).toBe(false);
  });

  it('a set without URNs answers false at once; tuples are tried first', () => {
    expect(grantsUrn(grants('api.*.read_key'), WS, 'keyspaces/api_1/keys/key_1', 'read_key')).toBe(false);
    expect(satisfies(grants('api.api_1.read_key'), WS, keyScope('api_1', 'read_key', 'key_1'))).toBe(true);
    expect(satisfies(grants(U('keyspaces/api_1/keys/key_1', 'read_key')), WS, keyScope('api_1', 'read_key', 'key_1'))).toBe(true);
  });

  it('the requirements of URN-accepting checks (docs/unkey-compatibility.md, "Permission requirements")', () => {
    expect(keyScope('api_1', 'create_key', 'key_1')).toEqual([
      'api.*.create_key',
      'api.api_1.create_key',
      urn('keyspaces/api_1', 'create_key'),
    ]);
    expect(keyScope('api_1', 'read_key')).toEqual(['api.*.read_key', 'api.api_1.read_key', urn('keyspaces/api_1/keys/*', 'read_key')]);
    // A required `*` segment is met only by a grant covering every value there.
    expect(satisfies(grants(U('keyspaces/api_1/keys/key_1', 'read_key')), WS, keyScope('api_1', 'read_key'))).toBe(false);
    expect(satisfies(grants(U('projects/*/identities/*', 'read_identity')), WS, identityScope('read_identity'))).toBe(true);
    expect(satisfies(grants(U('projects/p_1/identities/*', 'read_identity')), WS, identityScope('read_identity'))).toBe(false);
    expect(permissionText(WS, urn('keyspaces/api_1', 'create_key'))).toBe('unkey:v1:ws_1:keyspaces/api_1#create_key');
  });
});

describe('permissionProblem', () => {
  it('accepts known tuples (per-resource forms where a check accepts them) and well-formed URNs for the workspace', () => {
    for (const ok of [
      ...ALL_WILDCARD_PERMISSIONS,
      'api.api_1.read_key',
      'ratelimit.rlns_1.limit',
      'identity.id_1.read_identity',
      U('keyspaces/api_1/keys/*', 'read_key'),
      U('**', '*'),
      U('anything/goes-here/v1.2', 'some_action'),
    ]) {
      expect(permissionProblem(ok, WS), ok).toBeUndefined();
    }
  });

  it('refuses unknown types and actions, per-resource forms no check accepts, bad ids, malformed or foreign URNs', () => {
    for (const bad of [
      '',
      'api',
      'api.*',
      'api.*.read_key.x',
      'billing.*.read',
      'api.*.fly',
      'api.*.*',
      'api.api_1.create_api',
      'rbac.rbac_1.read_role',
      'identity.id_1.create_identity',
      'api.rlns_1.read_key',
      'api.api_.read_key',
      'api.api 1.read_key',
      'unkey:v2:ws_1:**#*',
      'unkey:v1:ws_1:keyspaces',
      'unkey:v1::keyspaces#read_key',
      'unkey:v1:ws_1:#read_key',
      U('keyspaces//keys', 'read_key'),
      U('/keyspaces', 'read_key'),
      U('keyspaces/', 'read_key'),
      U('keyspaces/ks_*', 'read_key'),
      U('**/keys', 'read_key'),
      U('keyspaces/**', '*'),
      U('*', '*'),
      U('keyspaces', ''),
      U('keyspaces', '_read'),
      U('keyspaces', 'read#key'),
      `${U('keyspaces', 'read_key')}#x`,
      'unkey:v1:ws_1:key:spaces#read_key',
      U('**', '*', 'ws_2'),
    ]) {
      expect(permissionProblem(bad, WS), bad).toBeDefined();
    }
  });
});

describe('firstUngrantable', () => {
  it('a tuple held exactly or through its `*` form; a URN covered by a URN grant; never across forms', () => {
    const held = grants(
      'api.*.read_key',
      'api.api_1.update_key',
      U('keyspaces/api_1/**', 'read_key'),
      U('projects/*/identities/*', 'read_identity'),
    );
    expect(firstUngrantable(held, WS, ['api.*.read_key', 'api.api_9.read_key', 'api.api_1.update_key'])).toBeUndefined();
    expect(firstUngrantable(held, WS, [U('keyspaces/api_1/keys/*', 'read_key'), U('keyspaces/api_1/**', 'read_key')])).toBeUndefined();
    expect(firstUngrantable(held, WS, ['api.*.read_key', 'api.*.update_key', 'api.*.delete_key'])).toBe('api.*.update_key');
    expect(firstUngrantable(held, WS, ['api.api_2.update_key'])).toBe('api.api_2.update_key');
    expect(firstUngrantable(held, WS, [U('keyspaces/**', 'read_key')])).toBe(U('keyspaces/**', 'read_key'));
    expect(firstUngrantable(held, WS, [U('keyspaces/api_1', 'read_key')])).toBe(U('keyspaces/api_1', 'read_key'));
    expect(firstUngrantable(held, WS, [U('projects/p_1/identities/*', 'read_identity')])).toBeUndefined();
    expect(firstUngrantable(held, WS, ['identity.*.read_identity'])).toBe('identity.*.read_identity');
    expect(firstUngrantable(grants(U('**', '*')), WS, [U('keyspaces/**', 'read_key'), 'api.*.read_key'])).toBe('api.*.read_key');
    expect(firstUngrantable(grants(U('**', '*', 'ws_2')), WS, [U('keyspaces/**', 'read_key')])).toBeDefined();
  });
});

describe('URN matching, by property', () => {
  // A tiny alphabet so that random patterns and paths often meet.
  const literal = fc.constantFrom('a', 'b', 'c');
  const concretePath = fc.array(literal, { minLength: 1, maxLength: 4 });
  const pattern = fc
    .tuple(fc.array(fc.oneof(literal, fc.constant('*')), { minLength: 0, maxLength: 3 }), fc.boolean())
    .map(([head, deep]) => (deep ? [...head, '**'] : head))
    .filter((segments) => segments.length > 0);
  const action = fc.constantFrom('read', 'write');

  /** The reference reading of a pattern against one concrete path. */
  const matches = (p: string[], path: string[]): boolean => {
    if (p.at(-1) === '**') return path.length >= p.length && p.slice(0, -1).every((s, i) => s === '*' || s === path[i]);
    return p.length === path.length && p.every((s, i) => s === '*' || s === path[i]);
  };

  it('a grant matches a concrete path exactly as the reference reading says', () => {
    fc.assert(
      fc.property(pattern, concretePath, action, action, (p, path, grantedAction, requiredAction) => {
        const expected = matches(p, path) && grantedAction === requiredAction;
        expect(covered([U(p.join('/'), grantedAction)], path.join('/'), requiredAction)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('a grant covering a pattern covers every path that pattern matches (so grants never exceed their granter)', () => {
    fc.assert(
      fc.property(pattern, pattern, concretePath, action, (g, r, path, a) => {
        const g2r = covered([U(g.join('/'), a)], r.join('/'), a);
        const r2path = covered([U(r.join('/'), a)], path.join('/'), a);
        if (g2r && r2path) expect(covered([U(g.join('/'), a)], path.join('/'), a)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
