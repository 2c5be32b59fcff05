import type { InvalidationBus } from '../cache/bus.js';
import type { Clock } from '../core/clock.js';
import { KeywardError, badInput, type FieldProblem } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { generateKey } from '../core/key-format.js';
import { type RootKeyEnvironment, rootKeyPrefix } from '../core/root-key-environments.js';
import { PERMISSION_CATALOGUE, firstUngrantable, permissionProblem, type CatalogueEntry } from '../core/permissions.js';
import type { AuditResource, ManagedRootKeyRecord, Store, StoreOps } from '../storage/store.js';
import { auditEntry } from './audit.js';
import type { RequestContext } from './context.js';
import { fetchPage, type Page } from './pagination.js';
import { requirePermission } from './authorization.js';
import { rootKeyNotFound } from './not-found.js';

export interface RootKeyServiceDeps {
  store: Store;
  clock: Clock;
  bus: InvalidationBus;
}

export interface CreateRootKeyInput {
  name: string;
  permissions: string[];
  expires?: number;
  environment?: RootKeyEnvironment;
}

export interface RerollRootKeyInput {
  rootKeyId: string;
  /** Milliseconds from now until the old secret stops working: exact, not rounded. */
  expiration: number;
}

export interface UpdateRootKeyInput {
  rootKeyId: string;
  name?: string;
  permissions?: string[];
}

export interface NewRootKey {
  name: string | null;
  permissions: string[];
  expires: number | null;
  environment?: RootKeyEnvironment | null;
}

const rootKeyResource = (rootKey: { id: string; name: string | null }): AuditResource => ({
  type: 'rootKey',
  id: rootKey.id,
  ...(rootKey.name ? { name: rootKey.name } : {}),
});

const listed = (permissions: string[]) => (permissions.length === 0 ? 'no permissions' : `permissions ${permissions.join(', ')}`);

/**
 * Inserts a root key and its `rootKey.create` audit record in `tx`. The secret is returned to be shown once:
 * only its hash and a short start are stored, and no audit record or log line carries it.
 */
export async function insertRootKey(
  tx: StoreOps,
  ctx: RequestContext,
  now: number,
  spec: NewRootKey,
): Promise<{ rootKeyId: string; key: string }> {
  const rootKeyId = newId('rootKey', now);
  const environment = spec.environment ?? null;
  const key = generateKey(32, rootKeyPrefix(environment));
  await tx.insertRootKey({
    environment,
    id: rootKeyId,
    workspaceId: ctx.workspaceId,
    name: spec.name,
    hash: key.hash,
    start: key.start,
    permissions: spec.permissions,
    createdAt: now,
    expires: spec.expires,
    createdBy: ctx.actor.type === 'root_key' ? ctx.actor.id : null,
  });
  const expiry = spec.expires === null ? '' : `, expiring at ${new Date(spec.expires).toISOString()}`;
  const label = environment === null ? '' : ` for environment ${environment}`;
  await tx.appendAudit(
    auditEntry(ctx, now, 'rootKey.create', `Created root key ${rootKeyId}${label} with ${listed(spec.permissions)}${expiry}`, [
      rootKeyResource({ id: rootKeyId, name: spec.name }),
    ]),
  );
  return { rootKeyId, key: key.plaintext };
}

/**
 * Keyward itself (operator CLI commands) acts with the operator's authority over the workspace it names.
 * HTTP callers are root keys or dashboard operators (actor `operator`, http/admission.ts), never `system`, so this
 * cannot be reached from a request; a dashboard operator is checked like a root key holding its role's permissions.
 */
const actsAsSystem = (ctx: RequestContext): boolean => ctx.actor.type === 'system';

function authorize(ctx: RequestContext, permission: string): void {
  if (!actsAsSystem(ctx)) requirePermission(ctx, [permission]);
}

/**
 * The permissions to store, deduplicated: each must be one Keyward knows, for this workspace (else 400), and
 * the caller must hold each itself (else 403 naming the first it lacks). That is the no-escalation rule of
 * docs/decisions/0009-root-keys-without-escalation.md: no root key can create or update a root key into more than it holds, itself included.
 */
function grantable(ctx: RequestContext, requested: string[]): string[] {
  const problems: FieldProblem[] = [];
  requested.forEach((permission, i) => {
    const problem = permissionProblem(permission, ctx.workspaceId);
    if (problem) problems.push({ location: `body.permissions.${i}`, message: `'${permission}': ${problem}` });
  });
  if (problems.length > 0) {
    throw badInput('Some permissions are not ones Keyward knows; rootKeys.listPermissions lists them.', problems);
  }
  const permissions = [...new Set(requested)];
  const missing = actsAsSystem(ctx) ? undefined : firstUngrantable(ctx.permissions, ctx.workspaceId, permissions);
  if (missing !== undefined) {
    throw new KeywardError('insufficient_permissions', `Cannot grant '${missing}': a root key can only grant permissions it holds itself.`);
  }
  return permissions;
}

/**
 * A root key that expires cannot create one that outlives it, nor give permissions to one that does: either would
 * stretch its own authority past its end through a secret its holder knows. Read from the store, not the cached
 * principal, so a caller revoked meanwhile is refused.
 */
async function requireWithinCallerLifetime(tx: StoreOps, ctx: RequestContext, expires: number | null, doing: string): Promise<void> {
  // Only a root key has a lifetime of its own; an operator's authority ends with its membership, checked per request.
  if (ctx.actor.type !== 'root_key') return;
  const caller = await tx.findRootKey(ctx.workspaceId, ctx.actor.id);
  if (!caller) throw new KeywardError('root_key_not_found', 'The root key was not found.');
  if (caller.expires !== null && (expires === null || expires > caller.expires)) {
    throw new KeywardError(
      'insufficient_permissions',
      `This root key expires at ${new Date(caller.expires).toISOString()}; a root key it ${doing} must expire no later.`,
    );
  }
}

/**
 * The root key with this id in the caller's workspace, unless it is gone: revoked (the store finds nothing) or
 * rerolled and past its grace period, after which it is as unknown to management as it is to authentication.
 */
async function findManagedRootKey(tx: StoreOps, ctx: RequestContext, rootKeyId: string, now: number): Promise<ManagedRootKeyRecord> {
  // Another workspace's root key answers "not found": the lookup is scoped to the caller's workspace.
  const found = await tx.findRootKey(ctx.workspaceId, rootKeyId);
  if (!found || (found.retiresAt !== null && now >= found.retiresAt)) throw rootKeyNotFound(rootKeyId);
  return found;
}

/** Keyward-only root-key management (group `rootKeys`). Ids are workspace-scoped: another workspace's root key is "not found". */
export class RootKeyService {
  constructor(private readonly deps: RootKeyServiceDeps) {}

  async create(ctx: RequestContext, input: CreateRootKeyInput): Promise<{ rootKeyId: string; key: string }> {
    authorize(ctx, 'rootkey.*.create_root_key');
    const permissions = grantable(ctx, input.permissions);
    const now = this.deps.clock.now();
    const expires = input.expires ?? null;
    if (expires !== null && expires <= now) {
      throw badInput('`expires` is not in the future: the root key would never work.', [
        { location: 'body.expires', message: 'must be later than now' },
      ]);
    }
    return this.deps.store.transaction(async (tx) => {
      await requireWithinCallerLifetime(tx, ctx, expires, 'creates (set `expires`)');
      return insertRootKey(tx, ctx, now, { name: input.name, permissions, expires, environment: input.environment ?? null });
    });
  }

  /** One page of the workspace's live root keys, ordered by id. */
  async list(ctx: RequestContext, input: { limit: number; cursor?: string }): Promise<Page<ManagedRootKeyRecord>> {
    authorize(ctx, 'rootkey.*.read_root_key');
    const now = this.deps.clock.now();
    return fetchPage(input, (window) => this.deps.store.listRootKeys({ workspaceId: ctx.workspaceId, ...window, now }));
  }

  /** Renames the root key and/or replaces its permissions; cached copies are dropped at once. */
  async update(ctx: RequestContext, input: UpdateRootKeyInput): Promise<ManagedRootKeyRecord> {
    authorize(ctx, 'rootkey.*.update_root_key');
    const permissions = input.permissions && grantable(ctx, input.permissions);
    const now = this.deps.clock.now();
    const updated = await this.deps.store.transaction(async (tx) => {
      const found = await findManagedRootKey(tx, ctx, input.rootKeyId, now);
      // Giving permissions is granting them, so the lifetime rule of create applies; a rename alone grants nothing.
      if (permissions !== undefined) await requireWithinCallerLifetime(tx, ctx, found.expires, 'gives permissions to');
      await tx.updateRootKey(found.id, { name: input.name, permissions }, now);
      const changes = [
        ...(input.name === undefined ? [] : [`name '${input.name}'`]),
        ...(permissions === undefined ? [] : [listed(permissions)]),
      ];
      await tx.appendAudit(
        auditEntry(ctx, now, 'rootKey.update', `Updated root key ${found.id}: ${changes.join('; ') || 'nothing'}`, [
          rootKeyResource(found),
        ]),
      );
      await tx.logChanges([{ kind: 'rootKey', hash: found.hash }], now);
      return { ...found, name: input.name ?? found.name, permissions: permissions ?? found.permissions, updatedAt: now };
    });
    await this.deps.bus.publish({ kind: 'rootKey', hash: updated.hash });
    return updated;
  }

  /** Soft delete. Every node drops its cached copy, so the root key is refused (401) from the very next request. */
  async revoke(ctx: RequestContext, rootKeyId: string): Promise<void> {
    authorize(ctx, 'rootkey.*.delete_root_key');
    const now = this.deps.clock.now();
    const hash = await this.deps.store.transaction(async (tx) => {
      const found = await findManagedRootKey(tx, ctx, rootKeyId, now);
      if (!(await tx.softDeleteRootKey(ctx.workspaceId, found.id, now))) throw rootKeyNotFound(rootKeyId);
      await tx.appendAudit(auditEntry(ctx, now, 'rootKey.revoke', `Revoked root key ${found.id}`, [rootKeyResource(found)]));
      await tx.logChanges([{ kind: 'rootKey', hash: found.hash }], now);
      return found.hash;
    });
    await this.deps.bus.publish({ kind: 'rootKey', hash });
  }

  /**
   * Rotation: a new secret with the old key's name, permissions, expiry and environment, while the old secret keeps
   * working for exactly `expiration` ms and then answers like an unknown root key (401). Taking over a key's
   * permissions is granting them, so the caller must hold each (no escalation, docs/decisions/0009) and outlive the
   * key; ending the old secret is revoking it, so both create_root_key and delete_root_key are required. Every node
   * drops its cached copy of the old key at once, and each checks the end against its clock, so the end is exact.
   */
  async reroll(ctx: RequestContext, input: RerollRootKeyInput): Promise<{ rootKeyId: string; key: string; oldKeyRetiresAt: number }> {
    authorize(ctx, 'rootkey.*.create_root_key');
    authorize(ctx, 'rootkey.*.delete_root_key');
    const now = this.deps.clock.now();
    const retiresAt = now + input.expiration;
    const { created, oldHash } = await this.deps.store.transaction(async (tx) => {
      const old = await findManagedRootKey(tx, ctx, input.rootKeyId, now);
      if (old.retiresAt !== null) {
        throw new KeywardError(
          'precondition_failed',
          `The root key '${old.id}' was already rerolled and stops working at ${new Date(old.retiresAt).toISOString()}; reroll its successor instead.`,
        );
      }
      const permissions = grantable(ctx, old.permissions);
      await requireWithinCallerLifetime(tx, ctx, old.expires, 'rerolls (its successor keeps its expiry)');
      const created = await insertRootKey(tx, ctx, now, {
        name: old.name,
        permissions,
        expires: old.expires,
        environment: old.environment,
      });
      if (!(await tx.retireRootKey(old.id, retiresAt))) throw rootKeyNotFound(old.id);
      await tx.appendAudit(
        auditEntry(
          ctx,
          now,
          'rootKey.reroll',
          `Rerolled root key ${old.id} into ${created.rootKeyId}; ${old.id} stops working at ${new Date(retiresAt).toISOString()}`,
          [rootKeyResource(old), rootKeyResource({ id: created.rootKeyId, name: old.name })],
        ),
      );
      await tx.logChanges([{ kind: 'rootKey', hash: old.hash }], now);
      return { created, oldHash: old.hash };
    });
    await this.deps.bus.publish({ kind: 'rootKey', hash: oldHash });
    return { ...created, oldKeyRetiresAt: retiresAt };
  }

  /** Every permission Keyward knows, with what it allows. */
  permissions(ctx: RequestContext): readonly CatalogueEntry[] {
    authorize(ctx, 'rootkey.*.read_root_key');
    return PERMISSION_CATALOGUE;
  }
}
