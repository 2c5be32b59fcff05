import type { Static } from 'typebox';
import type { KeyData } from '../keys.js';
import type { KeyLeakRecord, KeyRecord, RatelimitRecord, RefillRecord } from '../../storage/store.js';

/**
 * Response mappers for keys. Each optional field is set only when it has a value: clients reject
 * null (except `credits.remaining`), so "nothing" must be "absent". Never spread a record: the hash
 * must not reach a response.
 */

export const ratelimitData = (r: RatelimitRecord) => ({
  id: r.id,
  name: r.name,
  limit: r.limit,
  duration: r.duration,
  autoApply: r.autoApply,
});

export function refillData(refill: RefillRecord) {
  return refill.day === null
    ? { interval: 'daily' as const, amount: refill.amount }
    : { interval: 'monthly' as const, amount: refill.amount, refillDay: refill.day };
}

export function creditsData(key: Pick<KeyRecord, 'remaining' | 'refill'>) {
  return key.refill ? { remaining: key.remaining, refill: refillData(key.refill) } : { remaining: key.remaining };
}

export function identityData(identity: NonNullable<KeyRecord['identity']>) {
  const out: { id: string; externalId: string; meta?: Record<string, unknown>; ratelimits?: ReturnType<typeof ratelimitData>[] } = {
    id: identity.id,
    externalId: identity.externalId,
  };
  if (identity.meta && Object.keys(identity.meta).length > 0) out.meta = identity.meta;
  if (identity.ratelimits.length > 0) out.ratelimits = identity.ratelimits.map(ratelimitData);
  return out;
}

/** All permission slugs a key holds: direct plus through roles, deduplicated and sorted. */
export const allPermissions = (key: Pick<KeyRecord, 'permissions' | 'rolePermissions'>) =>
  [...new Set([...key.permissions, ...key.rolePermissions])].sort();

export function keyData(key: KeyRecord, plaintext?: string): Static<typeof KeyData> {
  const out: Static<typeof KeyData> = { keyId: key.id, start: key.start, enabled: key.enabled, createdAt: key.createdAt };
  if (key.name !== null) out.name = key.name;
  if (key.meta !== null) out.meta = key.meta;
  if (key.updatedAt !== null) out.updatedAt = key.updatedAt;
  if (key.lastUsedAt !== null) out.lastUsedAt = key.lastUsedAt;
  if (key.expires !== null) out.expires = key.expires;
  const permissions = allPermissions(key);
  if (permissions.length > 0) out.permissions = permissions;
  if (key.roles.length > 0) out.roles = key.roles;
  // Upstream omits credits entirely for unlimited keys.
  if (key.remaining !== null) out.credits = creditsData(key);
  if (key.identity) out.identity = identityData(key.identity);
  if (plaintext !== undefined) out.plaintext = plaintext;
  if (key.ratelimits.length > 0) out.ratelimits = key.ratelimits.map(ratelimitData);
  // Keyward-only fields, present only when set, so an ordinary key reads exactly as upstream's.
  if (key.oneTime) out.oneTime = true;
  if (key.consumedAt !== null) out.consumedAt = key.consumedAt;
  if (key.slidingExpiration !== null) out.slidingExpiration = key.slidingExpiration;
  return out;
}

/** A recorded leak as keys.getKey lists it: the record's fields that mean something to the key's owner, nulls left out. */
export function keyLeakData(leak: KeyLeakRecord) {
  return {
    reportedAt: leak.reportedAt,
    reporter: leak.reporter,
    tokenType: leak.tokenType,
    ...(leak.url !== null ? { url: leak.url } : {}),
    ...(leak.source !== null ? { source: leak.source } : {}),
    action: leak.action,
  };
}
