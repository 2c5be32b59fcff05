import { identityData, allPermissions } from '../../contract/views/keys.js';
import { ipMatcher } from '../../core/ip-whitelist.js';
import type { LimitCheck } from '../../ratelimit/limiter.js';
import type { KeyRecord } from '../../storage/store.js';
import type { VerifiedKeyFields } from './types.js';

/**
 * What verification derives from a key record once (its limits, permissions, answer fields, IP check), so that a
 * cached record, shared by every request that hits it, is not re-derived per request.
 */

/** A configured limit as verification applies it: whose counter it is, and under which key. */
export interface LimitConfig {
  id: string;
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
  /** The limiter's counter key. */
  counter: string;
}

/** What verification derives from a key record, computed once per record rather than once per request. */
export interface PreparedKey {
  granted: ReadonlySet<string>;
  fields: VerifiedKeyFields;
  /** The key's limits by name: its identity's, then its own, so a key-level limit replaces an identity one of the same name. */
  limits: ReadonlyMap<string, LimitConfig>;
  /** The autoApply limits, checked at cost 1 on every verification, with their checks built once. */
  autoApply: readonly LimitConfig[];
  autoChecks: readonly LimitCheck[];
  /** Whether a client IP may verify this key, from its API's whitelist; null (no check at all) when there is none. */
  allowIp: ((ip: string | null) => boolean) | null;
}

/**
 * Verification counters are scoped by workspace and live apart from the ratelimit.* namespaces (whose
 * keys carry an `rlns_` id where this carries `verify`). The identifier is the key id for key-level
 * and ad-hoc limits and the identity id for identity limits, which every key of the identity shares.
 * Identifiers never contain `:`, so a name containing one cannot make two counters collide.
 */
export const counterKey = (workspaceId: string, name: string, identifier: string): string => `${workspaceId}:verify:${name}:${identifier}`;

export function prepare(key: KeyRecord): PreparedKey {
  const limits = new Map<string, LimitConfig>();
  const add = (r: KeyRecord['ratelimits'][number], identifier: string) =>
    limits.set(r.name, {
      id: r.id,
      name: r.name,
      limit: r.limit,
      duration: r.duration,
      autoApply: r.autoApply,
      counter: counterKey(key.workspaceId, r.name, identifier),
    });
  if (key.identity) for (const r of key.identity.ratelimits) add(r, key.identity.id);
  for (const r of key.ratelimits) add(r, key.id);
  const autoApply = [...limits.values()].filter((l) => l.autoApply);
  const autoChecks = autoApply.map((l) => ({ key: l.counter, limit: l.limit, duration: l.duration, cost: 1 }));

  const permissions = allPermissions(key);
  const fields: VerifiedKeyFields = { keyId: key.id, enabled: key.enabled };
  if (key.name !== null) fields.name = key.name;
  if (key.meta !== null) fields.meta = key.meta;
  if (key.expires !== null) fields.expires = key.expires;
  if (permissions.length > 0) fields.permissions = permissions;
  if (key.roles.length > 0) fields.roles = key.roles;
  if (key.identity) fields.identity = identityData(key.identity);
  // Built once per cached record, so an API without a whitelist costs verification one null check.
  const allowIp = key.apiIpWhitelist === null ? null : ipMatcher(key.apiIpWhitelist);
  return { granted: new Set(permissions), fields, limits, autoApply, autoChecks, allowIp };
}
