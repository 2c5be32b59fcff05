import { keyScope } from '../../core/permissions.js';
import type { AuditResource, KeyRecord, StoreOps } from '../../storage/store.js';
import type { RequestContext } from '../context.js';
import type { ServiceDeps } from '../deps.js';
import { requirePermission } from '../authorization.js';
import { keyNotFound, roleNotFound } from '../not-found.js';

/** Attaches permissions (created when missing) and roles (which must exist) to a key, inside `tx`. */
export async function attachAccess(
  tx: StoreOps,
  workspaceId: string,
  keyId: string,
  access: { permissions?: string[]; roles?: string[] },
  now: number,
): Promise<void> {
  if (access.permissions !== undefined) await tx.setKeyPermissions(workspaceId, keyId, access.permissions, now);
  if (access.roles !== undefined) {
    const missing = await tx.setKeyRoles(workspaceId, keyId, access.roles, now);
    if (missing.length > 0) throw roleNotFound(missing[0]!);
  }
}

/** The caller's live key, provided the caller holds `action` on its API (else 403). */
export async function authorizedKey(ops: StoreOps, ctx: RequestContext, keyId: string, action: string): Promise<KeyRecord> {
  // Another workspace's key answers "not found": findKey is scoped to the caller's workspace.
  const key = await ops.findKey(ctx.workspaceId, keyId);
  if (!key) throw keyNotFound(keyId);
  requirePermission(ctx, keyScope(key.apiId, action, key.id));
  return key;
}

export type KeyChange<T> = (tx: StoreOps, key: KeyRecord, now: number) => Promise<T>;

/**
 * One change to one key, shared by every key mutation: find the caller's key, `authorize` it (throws), then run
 * `change` (which appends the audit record) in the same transaction, with the key's entry in the change log; after
 * the commit every node drops its cached copy. Writing the key first records updatedAt and, on PostgreSQL, holds its
 * row lock until the commit, so concurrent changes to one key apply one after another; `change` gets the key as read again under that lock. That
 * write is also what refuses a verification's credit charge in flight (storage/sql/credits.ts): it holds the key to
 * the updatedAt it decided on.
 */
export async function changeKey<T>(
  deps: Pick<ServiceDeps, 'store' | 'clock' | 'bus'>,
  ctx: RequestContext,
  keyId: string,
  authorize: (key: KeyRecord) => void,
  change: KeyChange<T>,
): Promise<T> {
  const now = deps.clock.now();
  const { hash, result } = await deps.store.transaction(async (tx) => {
    // Another workspace's key answers "not found": findKey is scoped to the caller's workspace.
    const found = await tx.findKey(ctx.workspaceId, keyId);
    if (!found) throw keyNotFound(keyId);
    authorize(found);
    await tx.updateKey(found.id, {}, now);
    // Gone once the lock was ours: a concurrent change deleted it first (on PostgreSQL), and this one finds nothing.
    const key = await tx.findKey(ctx.workspaceId, keyId);
    if (!key) throw keyNotFound(keyId);
    const result = await change(tx, key, now);
    await tx.logChanges([{ kind: 'key', workspaceId: ctx.workspaceId, hash: key.hash }], now);
    return { hash: key.hash, result };
  });
  await deps.bus.publish({ kind: 'key', workspaceId: ctx.workspaceId, hash });
  return result;
}

/** What a key's audit record names: the key, its API, and its identity when it has one. */
export function keyResources(key: KeyRecord): AuditResource[] {
  return [
    { type: 'key', id: key.id, ...(key.name ? { name: key.name } : {}) },
    { type: 'api', id: key.apiId },
    ...(key.identity ? [{ type: 'identity', id: key.identity.id, name: key.identity.externalId }] : []),
  ];
}
