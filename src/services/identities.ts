import { KeywardError, badInput } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { identityScope, satisfies } from '../core/permissions.js';
import type { AuditResource, IdentityRecord, Meta, StoreOps } from '../storage/store.js';
import { auditEntry } from './audit.js';
import type { RequestContext } from './context.js';
import type { ServiceDeps } from './deps.js';
import { ratelimitsFrom, type RatelimitInput } from './keys/input.js';
import { fetchPage, type Page } from './pagination.js';
import { requirePermission } from './authorization.js';
import { identityNotFound } from './not-found.js';

export interface CreateIdentityInput {
  externalId: string;
  meta?: Meta;
  ratelimits?: RatelimitInput[];
}

export interface UpdateIdentityInput {
  /** The identity's id or externalId. */
  identity: string;
  meta?: Meta;
  ratelimits?: RatelimitInput[];
}

export interface ListIdentitiesInput {
  limit: number;
  cursor?: string;
  search?: string;
}

/** docs/unkey-compatibility.md, "identities": meta up to 1 MiB as JSON (the property count is the schema's job). */
const MAX_META_BYTES = 1024 * 1024;

function checkMetaSize(meta: Meta): void {
  const bytes = Buffer.byteLength(JSON.stringify(meta));
  if (bytes > MAX_META_BYTES) {
    throw badInput(`\`meta\` is ${bytes} bytes as JSON; at most ${MAX_META_BYTES} are allowed.`, [
      { location: 'body.meta', message: `maxSize: ${bytes} bytes, at most ${MAX_META_BYTES}` },
    ]);
  }
}

const identityResource = (identity: Pick<IdentityRecord, 'id' | 'externalId'>): AuditResource => ({
  type: 'identity',
  id: identity.id,
  name: identity.externalId,
});

/** Identities: an owner (user, organisation) whose keys share its meta and rate limits. */
export class IdentityService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(ctx: RequestContext, input: CreateIdentityInput): Promise<string> {
    requirePermission(ctx, identityScope('create_identity'));
    const meta = input.meta ?? {};
    checkMetaSize(meta);
    const now = this.deps.clock.now();
    const ratelimits = ratelimitsFrom(input.ratelimits ?? [], now);
    const id = newId('identity', now);
    // No invalidation: a new identity is linked to no key yet (linking an externalId reuses a live identity).
    await this.deps.store.transaction(async (tx) => {
      const inserted = await tx.insertIdentity({ id, workspaceId: ctx.workspaceId, externalId: input.externalId, meta, createdAt: now });
      if (!inserted) throw new KeywardError('identity_already_exists', `An identity with externalId '${input.externalId}' already exists.`);
      if (ratelimits.length > 0) await tx.replaceIdentityRatelimits(ctx.workspaceId, id, ratelimits, now);
      await tx.appendAudit(
        auditEntry(ctx, now, 'identity.create', `Created identity ${id}`, [identityResource({ id, externalId: input.externalId })]),
      );
    });
    return id;
  }

  /** Looked up before the permission check, as upstream: a missing identity is a 404 whatever the caller holds. */
  async get(ctx: RequestContext, identity: string): Promise<IdentityRecord> {
    // Another workspace's identity answers "not found": the lookup is scoped to the caller's workspace.
    const found = await this.deps.store.findIdentity(ctx.workspaceId, identity);
    if (!found) throw identityNotFound(identity);
    requirePermission(ctx, identityScope('read_identity', found.id));
    return found;
  }

  /** One page ordered by id. As upstream, every identity returned must be readable, so an empty page needs no permission. */
  async list(ctx: RequestContext, input: ListIdentitiesInput): Promise<Page<IdentityRecord>> {
    const search = input.search?.trim() || undefined;
    const page = await fetchPage(input, (window) => this.deps.store.listIdentities({ workspaceId: ctx.workspaceId, search, ...window }));
    // The refusal names only the wildcard, so it does not reveal the id of an identity the caller may not read.
    if (page.items.some((row) => !satisfies(ctx.permissions, ctx.workspaceId, identityScope('read_identity', row.id)))) {
      requirePermission(ctx, identityScope('read_identity'));
    }
    return page;
  }

  /** `meta` replaces the whole object; `ratelimits` replaces the limits by name. Absent fields stay as they are. */
  async update(ctx: RequestContext, input: UpdateIdentityInput): Promise<IdentityRecord> {
    requirePermission(ctx, identityScope('update_identity'));
    if (input.meta !== undefined) checkMetaSize(input.meta);
    const ratelimits = input.ratelimits && ratelimitsFrom(input.ratelimits, this.deps.clock.now());
    return this.changeIdentity(ctx, input.identity, async (tx, identity, now) => {
      await tx.updateIdentity(identity.id, input.meta === undefined ? {} : { meta: input.meta }, now);
      if (ratelimits) await tx.replaceIdentityRatelimits(ctx.workspaceId, identity.id, ratelimits, now);
      const fields = (['meta', 'ratelimits'] as const).filter((field) => input[field] !== undefined);
      await tx.appendAudit(
        auditEntry(ctx, now, 'identity.update', `Updated identity ${identity.id}: ${fields.join(', ') || 'nothing'}`, [
          identityResource(identity),
        ]),
      );
      // Read back for the final limits: names that stayed kept their ids.
      const updated = await tx.findIdentity(ctx.workspaceId, identity.id);
      if (!updated) throw identityNotFound(input.identity);
      return updated;
    });
  }

  /**
   * Soft delete: the identity and its limits disappear, and its keys are detached from it (identity_id cleared) in
   * the same transaction as the delete and its audit record; `changeIdentity` then drops the workspace's cached
   * lookups, so cached verifications stop showing it too. Its externalId is free again, and a new identity with it
   * starts with no keys.
   */
  async delete(ctx: RequestContext, identity: string): Promise<void> {
    requirePermission(ctx, identityScope('delete_identity'));
    await this.changeIdentity(ctx, identity, async (tx, found, now) => {
      await tx.softDeleteIdentity(ctx.workspaceId, found.id, now);
      const limits = found.ratelimits.map((r): AuditResource => ({ type: 'ratelimit', id: r.id, name: r.name }));
      await tx.appendAudit(auditEntry(ctx, now, 'identity.delete', `Deleted identity ${found.id}`, [identityResource(found), ...limits]));
    });
  }

  /**
   * One change to one identity: the lookup and `change` (which appends the audit record) share a transaction.
   * Cached verify lookups embed the identity's meta and limits, and nothing records which cached keys carry which
   * identity, so after the commit the whole workspace's cached lookups are dropped: simple and always correct,
   * and identity changes are rare next to verifications.
   */
  private async changeIdentity<T>(
    ctx: RequestContext,
    identity: string,
    change: (tx: StoreOps, found: IdentityRecord, now: number) => Promise<T>,
  ): Promise<T> {
    const now = this.deps.clock.now();
    const result = await this.deps.store.transaction(async (tx) => {
      // Another workspace's identity answers "not found": the lookup is scoped to the caller's workspace.
      const found = await tx.findIdentity(ctx.workspaceId, identity);
      if (!found) throw identityNotFound(identity);
      // Writing the identity first holds its row lock on PostgreSQL until the commit, so concurrent changes to one
      // identity apply one after another; `change` gets it as read again under that lock, and one deleted by a
      // change that came first is not found (without this, each of ten concurrent deletes succeeded and was audited).
      await tx.updateIdentity(found.id, {}, now);
      const locked = await tx.findIdentity(ctx.workspaceId, found.id);
      if (!locked) throw identityNotFound(identity);
      const result = await change(tx, locked, now);
      await tx.logChanges([{ kind: 'workspace', workspaceId: ctx.workspaceId }], now);
      return result;
    });
    await this.deps.bus.publish({ kind: 'workspace', workspaceId: ctx.workspaceId });
    return result;
  }
}
