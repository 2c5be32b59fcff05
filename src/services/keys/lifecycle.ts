import type { Invalidation } from '../../cache/bus.js';
import { KeywardError, badInput } from '../../core/errors.js';
import { MAX_COUNT } from '../../core/bounds.js';
import { newId } from '../../core/ids.js';
import { generateKey, hashKey } from '../../core/key-format.js';
import { eitherScope, keyScope, readApiScope, satisfies } from '../../core/permissions.js';
import type { KeyLeakRecord, KeyPatch, KeyRecord } from '../../storage/store.js';
import { auditEntry } from '../audit.js';
import type { RequestContext } from '../context.js';
import type { ServiceDeps } from '../deps.js';
import { fetchPage, type Page } from '../pagination.js';
import { attachAccess, authorizedKey, changeKey, keyResources, type KeyChange } from './change.js';
import {
  creditsPatch,
  ratelimitsFrom,
  refillFrom,
  refuseCreditsOnOneTime,
  rerollExpiry,
  type CreateKeyInput,
  type Credits,
  type ListKeysInput,
  type UpdateCreditsInput,
  type UpdateKeyInput,
} from './input.js';
import { notStoringEncryptedKeys, RecoverableKeys, undecryptable } from './recoverable.js';
import { requirePermission } from '../authorization.js';
import { apiNotFound, keyNotFound } from '../not-found.js';
import { createdNote, requireCreatable } from '../permissions.js';
import { requireGivenAccessRights } from './access-rights.js';

/** Leaks keys.getKey lists, newest first. */
const KEY_LEAKS_SHOWN = 20;

/** Key lifecycle: create, read, update, credits, delete, reroll, list. */
export class KeyService {
  private readonly recoverable: RecoverableKeys;

  constructor(private readonly deps: ServiceDeps) {
    this.recoverable = new RecoverableKeys(deps);
  }

  /** Whether a new key's hash is logged and published (false: a node acting as an earlier version, ServiceDeps). */
  private get announcesNewKeys(): boolean {
    return this.deps.announceNewKeyHashes ?? true;
  }

  async create(ctx: RequestContext, input: CreateKeyInput): Promise<{ keyId: string; key: string }> {
    // A caller who may not create keys in this API learns nothing about it: masked as not found (upstream).
    if (!satisfies(ctx.permissions, ctx.workspaceId, keyScope(input.apiId, 'create_key'))) throw apiNotFound();
    if (input.recoverable && !satisfies(ctx.permissions, ctx.workspaceId, eitherScope('api', input.apiId, 'encrypt_key')))
      throw apiNotFound();
    // Giving the new key permissions or roles needs what keys.addPermissions / keys.addRoles need (403).
    requireGivenAccessRights(ctx, [input]);
    const now = this.deps.clock.now();
    const refill = input.credits ? refillFrom(input.credits, 'create') : null;
    refuseCreditsOnOneTime(input.oneTime ?? false, input.credits?.remaining);
    const ratelimits = ratelimitsFrom(input.ratelimits ?? [], now);
    const slidingExpiration = input.slidingExpiration ?? null;
    // Encrypted before the transaction: a vault call (maybe over the network) must not hold the database's write lock.
    const sealed = input.recoverable ? await this.recoverable.sealNewKey(ctx, input, now) : undefined;

    const created = await this.deps.store.transaction(
      async (tx) => {
        // Another workspace's API is "not found": the lookup is scoped to the caller's workspace.
        const api = await tx.findApi(ctx.workspaceId, input.apiId);
        if (!api) throw apiNotFound();
        // Turned off since sealNewKey looked: the setting wins.
        if (sealed && !api.storeEncryptedKeys) throw notStoringEncryptedKeys(api.id);
        const createdSlugs = await requireCreatable(tx, ctx, input.permissions ?? []);
        const key =
          sealed?.key ?? generateKey(input.byteLength ?? api.defaultByteLength ?? 16, input.prefix ?? api.defaultPrefix, api.keyFormat);
        const keyId = sealed?.keyId ?? newId('key', now);
        const identityId = input.externalId ? await tx.upsertIdentity(ctx.workspaceId, input.externalId, now) : null;
        await tx.insertKey({
          id: keyId,
          workspaceId: ctx.workspaceId,
          apiId: api.id,
          hash: key.hash,
          start: key.start,
          prefix: input.prefix ?? api.defaultPrefix,
          name: input.name ?? null,
          identityId,
          meta: input.meta ?? null,
          enabled: input.enabled ?? true,
          // A sliding key without a first expiry gets one window from now: sliding needs an end to move.
          expires: input.expires ?? (slidingExpiration === null ? null : now + slidingExpiration),
          remaining: input.credits?.remaining ?? null,
          refill,
          createdAt: now,
          oneTime: input.oneTime ?? false,
          slidingExpiration,
        });
        if (sealed) {
          await tx.insertEncryptedKey({
            keyId,
            workspaceId: ctx.workspaceId,
            ciphertext: sealed.ciphertext,
            encryptionKeyId: sealed.dekId,
            createdAt: now,
          });
        }
        if (ratelimits.length > 0) await tx.replaceKeyRatelimits(ctx.workspaceId, keyId, ratelimits, now);
        await attachAccess(tx, ctx.workspaceId, keyId, input, now);
        await tx.appendAudit(
          auditEntry(
            ctx,
            now,
            'key.create',
            `Created ${sealed ? 'recoverable ' : ''}key ${keyId} in API ${api.id}${createdNote(createdSlugs)}`,
            [
              { type: 'key', id: keyId, ...(input.name ? { name: input.name } : {}) },
              { type: 'api', id: api.id, name: api.name },
              ...(identityId ? [{ type: 'identity', id: identityId, name: input.externalId! }] : []),
            ],
          ),
        );
        if (this.announcesNewKeys) await tx.logChanges([newHash(ctx, key.hash)], now);
        return { keyId, key: key.plaintext, hash: key.hash };
      },
      // Creations of one workspace that arrive together commit together: they would wait for its audit chain's head,
      // one commit at a time, anyway (docs/decisions/0032).
      { commitGroup: ctx.workspaceId },
    );
    if (this.announcesNewKeys) await this.deps.bus.publish(newHash(ctx, created.hash));
    return { keyId: created.keyId, key: created.key };
  }

  /**
   * A key with everything about it; `decrypt` also returns its plaintext when it is recoverable (which needs
   * decrypt_key, a vault, and an API that stores encrypted keys; else 403 / 412 / 412, as upstream).
   */
  async get(ctx: RequestContext, keyId: string, decrypt: boolean): Promise<{ key: KeyRecord; plaintext?: string; leaks: KeyLeakRecord[] }> {
    const key = await authorizedKey(this.deps.store, ctx, keyId, 'read_key');
    // Its reported leaks (docs/operations.md, "Leak reports"), the newest few: why a key was disabled, and where it was found.
    const leaks = await this.deps.store.listKeyLeaks(ctx.workspaceId, key.id, KEY_LEAKS_SHOWN);
    if (!decrypt) return { key, leaks };
    requirePermission(ctx, eitherScope('api', key.apiId, 'decrypt_key'));
    // findKey only returns keys of live APIs, so this finds it; the guard keeps the types honest.
    const api = await this.deps.store.findApi(ctx.workspaceId, key.apiId);
    if (!api) throw keyNotFound(keyId);
    if (!api.storeEncryptedKeys) throw notStoringEncryptedKeys(api.id);
    const { plaintexts, failed } = await this.recoverable.decryptKeys(ctx, this.recoverable.requireVault(), [key]);
    if (failed > 0) throw undecryptable();
    const plaintext = plaintexts.get(key.id);
    return plaintext === undefined ? { key, leaks } : { key, plaintext, leaks };
  }

  /** The key itself, looked up by its hash. Disabled and expired keys are returned too (it is a read, not a verification). */
  async whoami(ctx: RequestContext, rawKey: string): Promise<KeyRecord> {
    // Scoped to the caller's workspace: another workspace's key is never read, so it is missing like any other.
    const key = await this.deps.store.findKeyByHash(ctx.workspaceId, hashKey(rawKey));
    // Missing, another workspace's, or not readable by the caller all look the same, so a root key cannot probe
    // for keys; the detail never repeats the key, which is a secret.
    if (
      !key ||
      key.workspaceId !== ctx.workspaceId ||
      !satisfies(ctx.permissions, ctx.workspaceId, keyScope(key.apiId, 'read_key', key.id))
    ) {
      throw new KeywardError('key_not_found', 'The key was not found.');
    }
    return key;
  }

  /** Partial update: an absent field stays as it is, null clears it. */
  async update(ctx: RequestContext, input: UpdateKeyInput): Promise<void> {
    // Giving the key permissions or roles also needs what keys.addPermissions / keys.addRoles need (403).
    const authorize = (key: KeyRecord) => {
      requirePermission(ctx, keyScope(key.apiId, 'update_key', key.id));
      requireGivenAccessRights(ctx, [input]);
    };
    await changeKey(this.deps, ctx, input.keyId, authorize, async (tx, key, now) => {
      const created = await requireCreatable(tx, ctx, input.permissions ?? []);
      const patch: KeyPatch = input.credits === undefined ? {} : creditsPatch(input.credits, key.remaining);
      const ratelimits = input.ratelimits && ratelimitsFrom(input.ratelimits, now);
      if (input.name !== undefined) patch.name = input.name;
      if (input.meta !== undefined) patch.meta = input.meta;
      if (input.expires !== undefined) patch.expires = input.expires;
      if (input.enabled !== undefined) patch.enabled = input.enabled;
      refuseCreditsOnOneTime(key.oneTime, patch.remaining);
      if (input.slidingExpiration !== undefined) {
        patch.slidingExpiration = input.slidingExpiration;
        // Starting to slide with no end: the first one is a window from now, as at creation. Cleared: the end stays, fixed.
        const end = input.expires === undefined ? key.expires : input.expires;
        if (input.slidingExpiration !== null && end === null) patch.expires = now + input.slidingExpiration;
      }
      const resources = keyResources(key);
      if (input.externalId === null) patch.identityId = null;
      else if (input.externalId !== undefined) {
        patch.identityId = await tx.upsertIdentity(ctx.workspaceId, input.externalId, now);
        if (patch.identityId !== key.identity?.id) resources.push({ type: 'identity', id: patch.identityId, name: input.externalId });
      }
      await tx.updateKey(key.id, patch, now);
      if (ratelimits) await tx.replaceKeyRatelimits(ctx.workspaceId, key.id, ratelimits, now);
      await attachAccess(tx, ctx.workspaceId, key.id, input, now);
      const fields = Object.keys(input).filter((field) => field !== 'keyId');
      await tx.appendAudit(
        auditEntry(ctx, now, 'key.update', `Updated key ${key.id}: ${fields.join(', ') || 'nothing'}${createdNote(created)}`, resources),
      );
    });
  }

  /** Sets, adds to or takes from a key's credits in one atomic statement; returns the credits after the change. */
  async updateCredits(ctx: RequestContext, input: UpdateCreditsInput): Promise<Credits> {
    const { operation, value } = input;
    if (value === undefined || (value === null && operation !== 'set')) {
      throw badInput(`\`${operation}\` needs a number in \`value\`${operation === 'set' ? ' (or null for unlimited credits)' : ''}.`);
    }
    const unlimited = (keyId: string) =>
      badInput(`The key '${keyId}' has unlimited credits; \`set\` a number before you \`${operation}\` it.`);
    return this.changeKey(ctx, input.keyId, 'update_key', async (tx, key, now) => {
      if (value !== null) refuseCreditsOnOneTime(key.oneTime, value);
      let credits: Credits;
      if (value === null) {
        // Unlimited: there is nothing left to refill, so the refill goes too.
        credits = { remaining: null, refill: null };
        await tx.updateKey(key.id, credits, now);
      } else {
        if (operation !== 'set' && key.remaining === null) throw unlimited(key.id);
        const remaining = await tx.changeCredits(key.id, operation, value);
        if (remaining === undefined) {
          // A key made unlimited since we read it leaves nothing to change; otherwise the increment passed the bound.
          if ((await tx.readCredits(key.id)) === null) throw unlimited(key.id);
          throw badInput(`The key '${key.id}' would have more than ${MAX_COUNT} credits; increment by less, or \`set\` them.`, [
            { location: 'body.value', message: `the credits after the increment must not exceed ${MAX_COUNT}` },
          ]);
        }
        credits = { remaining, refill: key.refill };
      }
      const change = value === null ? 'set to unlimited' : `${operation} ${value}, now ${credits.remaining}`;
      await tx.appendAudit(auditEntry(ctx, now, 'key.update_credits', `Changed credits of key ${key.id}: ${change}`, keyResources(key)));
      return credits;
    });
  }

  /** Soft delete by default; `permanent` removes the key's rows for good. Either way it stops verifying at once. */
  async delete(ctx: RequestContext, keyId: string, permanent: boolean): Promise<void> {
    await this.changeKey(ctx, keyId, 'delete_key', async (tx, key, now) => {
      if (permanent) await tx.purgeKey(key.id);
      else await tx.softDeleteKey(key.id, now);
      await tx.appendAudit(
        auditEntry(ctx, now, 'key.delete', `${permanent ? 'Permanently deleted' : 'Deleted'} key ${key.id}`, keyResources(key)),
      );
    });
  }

  /**
   * A new key with the old one's settings, limits and access; the old key keeps working for `expiration` ms
   * (rounded up to the minute) so callers can switch over.
   */
  async reroll(ctx: RequestContext, keyId: string, expiration: number): Promise<{ keyId: string; key: string }> {
    // A recoverable key stays recoverable: its successor is encrypted first, outside the transaction.
    const sealed = await this.recoverable.sealReroll(ctx, keyId);
    let successorHash = '';
    const rerolled = await this.changeKey(ctx, keyId, 'create_key', async (tx, old, now) => {
      // findKey only returns keys of live APIs, so this finds it; the guard keeps the types honest.
      const api = await tx.findApi(ctx.workspaceId, old.apiId);
      if (!api) throw keyNotFound(keyId);
      if (sealed && !api.storeEncryptedKeys) throw notStoringEncryptedKeys(api.id);
      // The stored prefix, not upstream's split of `start` at the first '_' (which cuts prefixes containing '_').
      const prefix = old.prefix ?? api.defaultPrefix;
      const key = sealed?.key ?? generateKey(api.defaultByteLength ?? 16, prefix, api.keyFormat);
      const newKeyId = sealed?.keyId ?? newId('key', now);
      await tx.insertKey({
        id: newKeyId,
        workspaceId: ctx.workspaceId,
        apiId: old.apiId,
        hash: key.hash,
        start: key.start,
        prefix,
        name: old.name,
        identityId: old.identity?.id ?? null,
        meta: old.meta,
        enabled: old.enabled,
        expires: old.expires,
        remaining: old.remaining,
        refill: old.refill,
        createdAt: now,
        // The new secret keeps how long it lives: a one-time key's successor is one-time (and unused), a sliding one slides.
        oneTime: old.oneTime,
        slidingExpiration: old.slidingExpiration,
      });
      if (sealed) {
        await tx.insertEncryptedKey({
          keyId: newKeyId,
          workspaceId: ctx.workspaceId,
          ciphertext: sealed.ciphertext,
          encryptionKeyId: sealed.dekId,
          createdAt: now,
        });
      }
      const ratelimits = old.ratelimits.map((r) => ({
        id: newId('ratelimit', now),
        name: r.name,
        limit: r.limit,
        duration: r.duration,
        autoApply: r.autoApply,
      }));
      if (ratelimits.length > 0) await tx.replaceKeyRatelimits(ctx.workspaceId, newKeyId, ratelimits, now);
      await attachAccess(tx, ctx.workspaceId, newKeyId, { permissions: old.permissions, roles: old.roles }, now);
      const expires = rerollExpiry(now, expiration, old.expires);
      await tx.updateKey(old.id, { expires }, now);
      await tx.appendAudit(
        auditEntry(
          ctx,
          now,
          'key.reroll',
          `Rerolled key ${old.id} into ${newKeyId}; ${old.id} expires at ${new Date(expires).toISOString()}`,
          [{ type: 'key', id: newKeyId, ...(old.name ? { name: old.name } : {}) }, ...keyResources(old)],
        ),
      );
      if (this.announcesNewKeys) await tx.logChanges([newHash(ctx, key.hash)], now);
      successorHash = key.hash;
      return { keyId: newKeyId, key: key.plaintext };
    });
    if (this.announcesNewKeys) await this.deps.bus.publish(newHash(ctx, successorHash));
    return rerolled;
  }

  /**
   * One page of an API's keys, ordered by id. With `decrypt` (which needs decrypt_key), `plaintexts` holds the
   * plaintext of each recoverable key on the page when the server has a vault and the API stores encrypted keys;
   * a key that fails to decrypt is logged and simply comes without one, as upstream.
   */
  async list(ctx: RequestContext, input: ListKeysInput): Promise<Page<KeyRecord> & { plaintexts: ReadonlyMap<string, string> }> {
    // Without both read_key and read_api the API itself stays hidden: masked as not found (upstream).
    const readable = [keyScope(input.apiId, 'read_key'), readApiScope(input.apiId)].every((anyOf) =>
      satisfies(ctx.permissions, ctx.workspaceId, anyOf),
    );
    if (!readable) throw apiNotFound();
    if (input.decrypt) requirePermission(ctx, eitherScope('api', input.apiId, 'decrypt_key'));
    const { store } = this.deps;
    // Another workspace's API answers "not found": findApi is scoped to the caller's workspace.
    const api = await store.findApi(ctx.workspaceId, input.apiId);
    if (!api) throw apiNotFound();
    let identityId: string | undefined;
    if (input.externalId !== undefined) {
      identityId = await store.findIdentityIdByExternalId(ctx.workspaceId, input.externalId);
      if (identityId === undefined) return { items: [], pagination: { hasMore: false }, plaintexts: new Map() };
    }
    const search = input.search?.trim() || undefined;
    const page = await fetchPage(input, (window) =>
      store.listKeys({ workspaceId: ctx.workspaceId, apiId: input.apiId, identityId, search, ...window }),
    );
    // Without a vault, or on an API that does not store encrypted keys, there is no plaintext to give.
    if (!input.decrypt || !this.deps.vault || !api.storeEncryptedKeys) return { ...page, plaintexts: new Map() };
    const { plaintexts } = await this.recoverable.decryptKeys(ctx, this.deps.vault, page.items);
    return { ...page, plaintexts };
  }

  private changeKey<T>(ctx: RequestContext, keyId: string, action: string, change: KeyChange<T>): Promise<T> {
    return changeKey(this.deps, ctx, keyId, (key) => requirePermission(ctx, keyScope(key.apiId, action, key.id)), change);
  }

  /** Sets remaining credits to the refill amount on every key due now. */
  async refillCredits(): Promise<number> {
    return this.deps.store.refillCredits(this.deps.clock.now());
  }
}

/**
 * The change a new key's hash announces (createKey, rerollKey): every node's unknown-key filter learns it
 * (docs/decisions/0021-unknown-key-flood.md), and a miss cached for it, if any, goes.
 */
function newHash(ctx: RequestContext, hash: string): Invalidation {
  return { kind: 'key', workspaceId: ctx.workspaceId, hash };
}
