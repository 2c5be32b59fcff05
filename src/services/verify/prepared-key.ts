import { identityData, allPermissions } from '../../contract/views/keys.js';
import { ipMatcher } from '../../core/ip-whitelist.js';
import type { LimitCheck } from '../../ratelimit/limiter.js';
import type { KeyRecord } from '../../storage/store.js';
import { usageNoteFrom } from '../usage-buffer.js';
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
  /** The one mutable field: when this node last noted a use of the record's key (usage-buffer.ts, `note`). */
  usageNotedAt: number;
}

/**
 * Verification counters are scoped by workspace and live apart from the ratelimit.* namespaces (whose
 * keys carry an `rlns_` id where this carries `verify`). The identifier is the key id for key-level
 * and ad-hoc limits and the identity id for identity limits, which every key of the identity shares.
 * Identifiers never contain `:`, so a name containing one cannot make two counters collide.
 */
export const counterKey = (workspaceId: string, name: string, identifier: string): string => `${workspaceId}:verify:${name}:${identifier}`;

/**
 * Shared by every key with no limits or no permissions (most keys): a cached record holds its prepared form as long
 * as it is cached, and an empty Map, Set and two arrays of its own made it 555 heap bytes instead of 155: 40 MB at the
 * default 100,000 cached keys (bench/key-cache-memory.ts; bench/RESULTS.md, "Session 17"). Never written to: the
 * fields are read-only types.
 */
const NO_LIMITS: ReadonlyMap<string, LimitConfig> = new Map();
const NO_GRANTS: ReadonlySet<string> = new Set();
const NONE: readonly never[] = [];

export function prepare(key: KeyRecord): PreparedKey {
  const identityLimits = key.identity?.ratelimits ?? NONE;
  let limits = NO_LIMITS;
  let autoApply: readonly LimitConfig[] = NONE;
  let autoChecks: readonly LimitCheck[] = NONE;
  if (identityLimits.length > 0 || key.ratelimits.length > 0) {
    const byName = new Map<string, LimitConfig>();
    const add = (r: KeyRecord['ratelimits'][number], identifier: string) =>
      byName.set(r.name, {
        id: r.id,
        name: r.name,
        limit: r.limit,
        duration: r.duration,
        autoApply: r.autoApply,
        counter: counterKey(key.workspaceId, r.name, identifier),
      });
    for (const r of identityLimits) add(r, key.identity!.id);
    for (const r of key.ratelimits) add(r, key.id);
    limits = byName;
    autoApply = [...byName.values()].filter((l) => l.autoApply);
    autoChecks = autoApply.map((l) => ({ key: l.counter, limit: l.limit, duration: l.duration, cost: 1 }));
  }

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
  return {
    granted: permissions.length > 0 ? new Set(permissions) : NO_GRANTS,
    fields,
    limits,
    autoApply,
    autoChecks,
    allowIp,
    usageNotedAt: usageNoteFrom(key.lastUsedAt),
  };
}
