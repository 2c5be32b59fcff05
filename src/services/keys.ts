import { KeywardError, badInput } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { generateKey, hashKey, type NewKey } from '../core/key-format.js';
import { eitherScope, keyScope, readApiScope, satisfies } from '../core/permissions.js';
import type { AuditResource, CreditOperation, KeyPatch, KeyRecord, Meta, NewRatelimit, RefillRecord, StoreOps } from '../storage/store.js';
import { requirePermission } from './apis.js';
import { auditEntry } from './audit.js';
import type { RequestContext } from './context.js';
import type { ServiceDeps } from './index.js';
import { pageOf, type Page } from './pagination.js';
import { VaultDecryptError } from '../vault/errors.js';
import type { Vault } from '../vault/vault.js';

export interface RefillInput {
  interval: 'daily' | 'monthly';
  amount: number;
  refillDay?: number;
}

export interface CreditsInput {
  remaining: number | null;
  refill?: RefillInput | null;
}

export interface RatelimitInput {
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
}

export interface CreateKeyInput {
  apiId: string;
  prefix?: string;
  name?: string;
  byteLength?: number;
  externalId?: string;
  meta?: Meta;
  roles?: string[];
  permissions?: string[];
  expires?: number;
  credits?: CreditsInput;
  ratelimits?: RatelimitInput[];
  enabled?: boolean;
  recoverable?: boolean;
}

export interface UpdateKeyInput {
  keyId: string;
  name?: string | null;
  externalId?: string | null;
  meta?: Meta | null;
  expires?: number | null;
  credits?: CreditsInput | null;
  ratelimits?: RatelimitInput[];
  enabled?: boolean;
  roles?: string[];
  permissions?: string[];
}

export interface UpdateCreditsInput {
  keyId: string;
  operation: CreditOperation;
  value?: number | null;
}

export interface ListKeysInput {
  apiId: string;
  limit: number;
  cursor?: string;
  externalId?: string;
  decrypt?: boolean;
}

export type Credits = Pick<KeyRecord, 'remaining' | 'refill'>;

export const keyNotFound = (keyId: string) => new KeywardError('key_not_found', `The key '${keyId}' was not found.`);
export const apiNotFound = (apiId: string) => new KeywardError('api_not_found', `The API '${apiId}' was not found.`);

/** Upstream's 412 when a recoverable key is asked of a server without a vault (neither KEYWARD_MASTER_KEYS nor KEYWARD_VAULT_URL). */
export const noVault = () =>
  new KeywardError('precondition_failed', 'Recoverable keys need a vault: this server has no KEYWARD_MASTER_KEYS (or KEYWARD_VAULT_URL) configured.');

/** Upstream's 412 for an API (keyspace) that does not store encrypted keys. */
export const notStoringEncryptedKeys = (apiId: string) =>
  new KeywardError(
    'precondition_failed',
    `The API '${apiId}' does not store encrypted keys: turn on \`storeEncryptedKeys\` with apiSettings.updateSettings first.`,
  );

/** Every failure to decrypt answers alike: nothing tells the caller which check failed (the server log says which key). */
const undecryptable = () =>
  new KeywardError('unexpected_error', 'The key could not be decrypted; the request id identifies the failure in the server log.');

/** A new key already encrypted by the vault, ready to be stored with its ciphertext. */
interface SealedKey {
  key: NewKey;
  keyId: string;
  ciphertext: string;
  dekId: string;
}

const MINUTE_MS = 60_000;

/**
 * When a rerolled key stops verifying: `expiration` ms from now rounded up to a whole minute (0: now),
 * as upstream; but never later than the key already expired, so a reroll cannot extend an old key's life.
 */
export function rerollExpiry(now: number, expiration: number, current: number | null): number {
  const end = expiration === 0 ? now : Math.ceil((now + expiration) / MINUTE_MS) * MINUTE_MS;
  return current === null ? end : Math.min(current, end);
}

/** The stored form of a refill request; checks the rules the schema cannot express. */
export function refillFrom(credits: CreditsInput, operation: 'create' | 'update'): RefillRecord | null {
  const refill = credits.refill;
  if (!refill) return null;
  if (credits.remaining === null) throw badInput('`credits.refill` needs a number in `credits.remaining`; unlimited keys are never refilled.');
  if (refill.interval === 'monthly') {
    if (refill.refillDay === undefined) throw badInput('`refillDay` must be provided when the refill interval is `monthly`.');
    return { amount: refill.amount, day: refill.refillDay };
  }
  // Upstream ignores a daily refillDay on create and refuses it on update; so do we.
  if (operation === 'update' && refill.refillDay !== undefined) throw badInput('`refillDay` is only allowed when the refill interval is `monthly`.');
  return { amount: refill.amount, day: null };
}

/** New limits for a key, keeping no duplicate names (they would be ambiguous in verifyKey). */
export function ratelimitsFrom(limits: RatelimitInput[], now: number): NewRatelimit[] {
  const seen = new Set<string>();
  return limits.map((limit) => {
    if (seen.has(limit.name)) throw badInput(`Ratelimit name '${limit.name}' appears more than once.`);
    seen.add(limit.name);
    return { id: newId('ratelimit', now), name: limit.name, limit: limit.limit, duration: limit.duration, autoApply: limit.autoApply };
  });
}

/** Attaches permissions (created when missing) and roles (which must exist) to a key, inside `tx`. */
export async function attachAccess(tx: StoreOps, workspaceId: string, keyId: string, access: { permissions?: string[]; roles?: string[] }, now: number): Promise<void> {
  if (access.permissions !== undefined) await tx.setKeyPermissions(workspaceId, keyId, access.permissions, now);
  if (access.roles !== undefined) {
    const missing = await tx.setKeyRoles(workspaceId, keyId, access.roles, now);
    if (missing.length > 0) throw new KeywardError('role_not_found', `Role '${missing[0]}' was not found.`);
  }
}

/** updateKey's `credits`: null or `remaining: null` mean unlimited, which also clears refill; an absent refill stays. */
function creditsPatch(credits: CreditsInput | null): Pick<KeyPatch, 'remaining' | 'refill'> {
  if (credits === null) return { remaining: null, refill: null };
  const refill = refillFrom(credits, 'update'); // the 400s: refill on an unlimited key, monthly without a day
  if (credits.remaining === null) return { remaining: null, refill: null };
  return credits.refill === undefined ? { remaining: credits.remaining } : { remaining: credits.remaining, refill };
}

/** The caller's live key, provided the caller holds `action` on its API (else 403). */
async function authorizedKey(ops: StoreOps, ctx: RequestContext, keyId: string, action: string): Promise<KeyRecord> {
  // Another workspace's key answers "not found": findKey is scoped to the caller's workspace.
  const key = await ops.findKey(ctx.workspaceId, keyId);
  if (!key) throw keyNotFound(keyId);
  requirePermission(ctx, keyScope(key.apiId, action, key.id));
  return key;
}

export type KeyChange<T> = (tx: StoreOps, key: KeyRecord, now: number) => Promise<T>;

/**
 * One change to one key, shared by every key mutation: find the caller's key, `authorize` it (throws), then run
 * `change` (which appends the audit record) in the same transaction; after the commit every node drops its cached
 * copy. Writing the key first records updatedAt and, on PostgreSQL, holds its row lock until the commit, so
 * concurrent changes to one key apply one after another; `change` gets the key as read again under that lock.
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
    return { hash: key.hash, result: await change(tx, key, now) };
  });
  await deps.bus.publish({ kind: 'key', hash });
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

/** Key lifecycle: create, read, update, credits, delete, reroll, list. */
export class KeyService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(ctx: RequestContext, input: CreateKeyInput): Promise<{ keyId: string; key: string }> {
    // A caller who may not create keys in this API learns nothing about it: masked as not found (upstream).
    if (!satisfies(ctx.permissions, ctx.workspaceId, keyScope(input.apiId, 'create_key'))) throw apiNotFound(input.apiId);
    if (input.recoverable && !satisfies(ctx.permissions, ctx.workspaceId, eitherScope('api', input.apiId, 'encrypt_key'))) throw apiNotFound(input.apiId);
    const now = this.deps.clock.now();
    const refill = input.credits ? refillFrom(input.credits, 'create') : null;
    const ratelimits = ratelimitsFrom(input.ratelimits ?? [], now);
    // Encrypted before the transaction: a vault call (maybe over the network) must not hold the database's write lock.
    const sealed = input.recoverable ? await this.sealNewKey(ctx, input, now) : undefined;

    return this.deps.store.transaction(async (tx) => {
      // Another workspace's API is "not found": the lookup is scoped to the caller's workspace.
      const api = await tx.findApi(ctx.workspaceId, input.apiId);
      if (!api) throw apiNotFound(input.apiId);
      // Turned off since sealNewKey looked: the setting wins.
      if (sealed && !api.storeEncryptedKeys) throw notStoringEncryptedKeys(api.id);
      const key = sealed?.key ?? generateKey(input.byteLength ?? api.defaultByteLength ?? 16, input.prefix ?? api.defaultPrefix);
      const keyId = sealed?.keyId ?? newId('key', now);
      const identityId = input.externalId ? await tx.upsertIdentity(ctx.workspaceId, input.externalId, now) : null;
      await tx.insertKey({
        id: keyId, workspaceId: ctx.workspaceId, apiId: api.id, hash: key.hash, start: key.start,
        prefix: input.prefix ?? api.defaultPrefix, name: input.name ?? null, identityId, meta: input.meta ?? null,
        enabled: input.enabled ?? true, expires: input.expires ?? null, remaining: input.credits?.remaining ?? null,
        refill, createdAt: now,
      });
      if (sealed) {
        await tx.insertEncryptedKey({ keyId, workspaceId: ctx.workspaceId, ciphertext: sealed.ciphertext, encryptionKeyId: sealed.dekId, createdAt: now });
      }
      if (ratelimits.length > 0) await tx.replaceKeyRatelimits(ctx.workspaceId, keyId, ratelimits, now);
      await attachAccess(tx, ctx.workspaceId, keyId, input, now);
      await tx.appendAudit(
        auditEntry(ctx, now, 'key.create', `Created ${sealed ? 'recoverable ' : ''}key ${keyId} in API ${api.id}`, [
          { type: 'key', id: keyId, ...(input.name ? { name: input.name } : {}) },
          { type: 'api', id: api.id, name: api.name },
          ...(identityId ? [{ type: 'identity', id: identityId, name: input.externalId! }] : []),
        ]),
      );
      return { keyId, key: key.plaintext };
    });
  }

  /**
   * A key with everything about it; `decrypt` also returns its plaintext when it is recoverable (which needs
   * decrypt_key, a vault, and an API that stores encrypted keys; else 403 / 412 / 412, as upstream).
   */
  async get(ctx: RequestContext, keyId: string, decrypt: boolean): Promise<{ key: KeyRecord; plaintext?: string }> {
    const key = await authorizedKey(this.deps.store, ctx, keyId, 'read_key');
    if (!decrypt) return { key };
    requirePermission(ctx, eitherScope('api', key.apiId, 'decrypt_key'));
    // findKey only returns keys of live APIs, so this finds it; the guard keeps the types honest.
    const api = await this.deps.store.findApi(ctx.workspaceId, key.apiId);
    if (!api) throw keyNotFound(keyId);
    if (!api.storeEncryptedKeys) throw notStoringEncryptedKeys(api.id);
    const { plaintexts, failed } = await this.decryptKeys(ctx, this.requireVault(), [key]);
    if (failed > 0) throw undecryptable();
    const plaintext = plaintexts.get(key.id);
    return plaintext === undefined ? { key } : { key, plaintext };
  }

  /** The key itself, looked up by its hash. Disabled and expired keys are returned too (it is a read, not a verification). */
  async whoami(ctx: RequestContext, rawKey: string): Promise<KeyRecord> {
    const key = await this.deps.store.findKeyByHash(hashKey(rawKey));
    // Missing, another workspace's, or not readable by the caller all look the same, so a root key cannot probe
    // for keys; the detail never repeats the key, which is a secret.
    if (!key || key.workspaceId !== ctx.workspaceId || !satisfies(ctx.permissions, ctx.workspaceId, keyScope(key.apiId, 'read_key', key.id))) {
      throw new KeywardError('key_not_found', 'The key was not found.');
    }
    return key;
  }

  /** Partial update: an absent field stays as it is, null clears it. */
  async update(ctx: RequestContext, input: UpdateKeyInput): Promise<void> {
    await this.changeKey(ctx, input.keyId, 'update_key', async (tx, key, now) => {
      const patch: KeyPatch = input.credits === undefined ? {} : creditsPatch(input.credits);
      const ratelimits = input.ratelimits && ratelimitsFrom(input.ratelimits, now);
      if (input.name !== undefined) patch.name = input.name;
      if (input.meta !== undefined) patch.meta = input.meta;
      if (input.expires !== undefined) patch.expires = input.expires;
      if (input.enabled !== undefined) patch.enabled = input.enabled;
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
      await tx.appendAudit(auditEntry(ctx, now, 'key.update', `Updated key ${key.id}: ${fields.join(', ') || 'nothing'}`, resources));
    });
  }

  /** Sets, adds to or takes from a key's credits in one atomic statement; returns the credits after the change. */
  async updateCredits(ctx: RequestContext, input: UpdateCreditsInput): Promise<Credits> {
    const { operation, value } = input;
    if (value === undefined || (value === null && operation !== 'set')) {
      throw badInput(`\`${operation}\` needs a number in \`value\`${operation === 'set' ? ' (or null for unlimited credits)' : ''}.`);
    }
    const unlimited = (keyId: string) => badInput(`The key '${keyId}' has unlimited credits; \`set\` a number before you \`${operation}\` it.`);
    return this.changeKey(ctx, input.keyId, 'update_key', async (tx, key, now) => {
      let credits: Credits;
      if (value === null) {
        // Unlimited: there is nothing left to refill, so the refill goes too.
        credits = { remaining: null, refill: null };
        await tx.updateKey(key.id, credits, now);
      } else {
        if (operation !== 'set' && key.remaining === null) throw unlimited(key.id);
        const remaining = await tx.changeCredits(key.id, operation, value);
        // Only a key made unlimited since we read it leaves nothing to change.
        if (remaining === undefined) throw unlimited(key.id);
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
      await tx.appendAudit(auditEntry(ctx, now, 'key.delete', `${permanent ? 'Permanently deleted' : 'Deleted'} key ${key.id}`, keyResources(key)));
    });
  }

  /**
   * A new key with the old one's settings, limits and access; the old key keeps working for `expiration` ms
   * (rounded up to the minute) so callers can switch over.
   */
  async reroll(ctx: RequestContext, keyId: string, expiration: number): Promise<{ keyId: string; key: string }> {
    // A recoverable key stays recoverable: its successor is encrypted first, outside the transaction.
    const sealed = await this.sealReroll(ctx, keyId);
    return this.changeKey(ctx, keyId, 'create_key', async (tx, old, now) => {
      // findKey only returns keys of live APIs, so this finds it; the guard keeps the types honest.
      const api = await tx.findApi(ctx.workspaceId, old.apiId);
      if (!api) throw keyNotFound(keyId);
      if (sealed && !api.storeEncryptedKeys) throw notStoringEncryptedKeys(api.id);
      // The stored prefix, not upstream's split of `start` at the first '_' (which cuts prefixes containing '_').
      const prefix = old.prefix ?? api.defaultPrefix;
      const key = sealed?.key ?? generateKey(api.defaultByteLength ?? 16, prefix);
      const newKeyId = sealed?.keyId ?? newId('key', now);
      await tx.insertKey({
        id: newKeyId, workspaceId: ctx.workspaceId, apiId: old.apiId, hash: key.hash, start: key.start,
        prefix, name: old.name, identityId: old.identity?.id ?? null, meta: old.meta,
        enabled: old.enabled, expires: old.expires, remaining: old.remaining, refill: old.refill, createdAt: now,
      });
      if (sealed) {
        await tx.insertEncryptedKey({ keyId: newKeyId, workspaceId: ctx.workspaceId, ciphertext: sealed.ciphertext, encryptionKeyId: sealed.dekId, createdAt: now });
      }
      const ratelimits = old.ratelimits.map((r) => ({ id: newId('ratelimit', now), name: r.name, limit: r.limit, duration: r.duration, autoApply: r.autoApply }));
      if (ratelimits.length > 0) await tx.replaceKeyRatelimits(ctx.workspaceId, newKeyId, ratelimits, now);
      await attachAccess(tx, ctx.workspaceId, newKeyId, { permissions: old.permissions, roles: old.roles }, now);
      const expires = rerollExpiry(now, expiration, old.expires);
      await tx.updateKey(old.id, { expires }, now);
      await tx.appendAudit(
        auditEntry(ctx, now, 'key.reroll', `Rerolled key ${old.id} into ${newKeyId}; ${old.id} expires at ${new Date(expires).toISOString()}`, [
          { type: 'key', id: newKeyId, ...(old.name ? { name: old.name } : {}) },
          ...keyResources(old),
        ]),
      );
      return { keyId: newKeyId, key: key.plaintext };
    });
  }

  /**
   * One page of an API's keys, ordered by id. With `decrypt` (which needs decrypt_key), `plaintexts` holds the
   * plaintext of each recoverable key on the page when the server has a vault and the API stores encrypted keys;
   * a key that fails to decrypt is logged and simply comes without one, as upstream.
   */
  async list(ctx: RequestContext, input: ListKeysInput): Promise<Page<KeyRecord> & { plaintexts: ReadonlyMap<string, string> }> {
    // Without both read_key and read_api the API itself stays hidden: masked as not found (upstream).
    const readable = [keyScope(input.apiId, 'read_key'), readApiScope(input.apiId)].every((anyOf) => satisfies(ctx.permissions, ctx.workspaceId, anyOf));
    if (!readable) throw apiNotFound(input.apiId);
    if (input.decrypt) requirePermission(ctx, eitherScope('api', input.apiId, 'decrypt_key'));
    const { store } = this.deps;
    // Another workspace's API answers "not found": findApi is scoped to the caller's workspace.
    const api = await store.findApi(ctx.workspaceId, input.apiId);
    if (!api) throw apiNotFound(input.apiId);
    let identityId: string | undefined;
    if (input.externalId !== undefined) {
      identityId = await store.findIdentityIdByExternalId(ctx.workspaceId, input.externalId);
      if (identityId === undefined) return { items: [], pagination: { hasMore: false }, plaintexts: new Map() };
    }
    const rows = await store.listKeys({ workspaceId: ctx.workspaceId, apiId: input.apiId, identityId, cursor: input.cursor, limit: input.limit + 1 });
    const page = pageOf(rows, input.limit);
    // Without a vault, or on an API that does not store encrypted keys, there is no plaintext to give.
    if (!input.decrypt || !this.deps.vault || !api.storeEncryptedKeys) return { ...page, plaintexts: new Map() };
    const { plaintexts } = await this.decryptKeys(ctx, this.deps.vault, page.items);
    return { ...page, plaintexts };
  }

  private requireVault(): Vault {
    if (!this.deps.vault) throw noVault();
    return this.deps.vault;
  }

  /**
   * For a recoverable key (create): the API must store encrypted keys (else 412) and the server have a vault
   * (else 412); the new key and its id are made here so the vault binds the ciphertext to that id.
   */
  private async sealNewKey(ctx: RequestContext, input: CreateKeyInput, now: number): Promise<SealedKey> {
    const api = await this.deps.store.findApi(ctx.workspaceId, input.apiId);
    if (!api) throw apiNotFound(input.apiId);
    if (!api.storeEncryptedKeys) throw notStoringEncryptedKeys(api.id);
    const vault = this.requireVault();
    const key = generateKey(input.byteLength ?? api.defaultByteLength ?? 16, input.prefix ?? api.defaultPrefix);
    const keyId = newId('key', now);
    const { ciphertext, dekId } = await vault.encrypt({ workspaceId: ctx.workspaceId, keyId, plaintext: key.plaintext });
    return { key, keyId, ciphertext, dekId };
  }

  /** For rerolling a recoverable key: its successor, encrypted (needs encrypt_key, else 403; a vault and the API setting, else 412). */
  private async sealReroll(ctx: RequestContext, keyId: string): Promise<SealedKey | undefined> {
    const { store } = this.deps;
    const old = await authorizedKey(store, ctx, keyId, 'create_key');
    if ((await store.findEncryptedKeys(ctx.workspaceId, [old.id])).length === 0) return undefined;
    requirePermission(ctx, eitherScope('api', old.apiId, 'encrypt_key'));
    const api = await store.findApi(ctx.workspaceId, old.apiId);
    if (!api) throw keyNotFound(keyId);
    if (!api.storeEncryptedKeys) throw notStoringEncryptedKeys(api.id);
    const vault = this.requireVault();
    const now = this.deps.clock.now();
    const key = generateKey(api.defaultByteLength ?? 16, old.prefix ?? api.defaultPrefix);
    const newKeyId = newId('key', now);
    const { ciphertext, dekId } = await vault.encrypt({ workspaceId: ctx.workspaceId, keyId: newKeyId, plaintext: key.plaintext });
    return { key, keyId: newKeyId, ciphertext, dekId };
  }

  /**
   * Decrypts the recoverable ones among `keys` (the others have no ciphertext and are skipped). Every
   * plaintext is audited (`key.decrypt`: who read which key, when, from where) in a transaction of its own,
   * committed before any plaintext is handed back: no read without its record. Failures are counted and
   * logged once per call, by key id and reason (never a secret: vault errors carry none).
   */
  private async decryptKeys(ctx: RequestContext, vault: Vault, keys: KeyRecord[]): Promise<{ plaintexts: Map<string, string>; failed: number }> {
    const rows = await this.deps.store.findEncryptedKeys(ctx.workspaceId, keys.map((key) => key.id));
    const ciphertexts = new Map(rows.map((row) => [row.keyId, row.ciphertext]));
    const recoverable = keys.filter((key) => ciphertexts.has(key.id));
    const plaintexts = new Map<string, string>();
    const failures: { keyId: string; reason: string }[] = [];
    // A few at a time: a remote vault gets a handful of concurrent calls, not a page's worth.
    const queue = [...recoverable];
    const worker = async () => {
      for (let key = queue.shift(); key; key = queue.shift()) {
        try {
          const plaintext = await vault.decrypt({ workspaceId: ctx.workspaceId, keyId: key.id, ciphertext: ciphertexts.get(key.id)! });
          // Belt and braces: what comes back must be the very key whose hash we hold.
          if (hashKey(plaintext) !== key.hash) throw new VaultDecryptError();
          plaintexts.set(key.id, plaintext);
        } catch (error) {
          failures.push({ keyId: key.id, reason: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown' });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, recoverable.length) }, worker));
    if (failures.length > 0) this.deps.logger.warn({ failures }, 'recoverable keys could not be decrypted');
    if (plaintexts.size > 0) {
      const now = this.deps.clock.now();
      await this.deps.store.transaction(async (tx) => {
        for (const key of keys) {
          if (!plaintexts.has(key.id)) continue;
          await tx.appendAudit(auditEntry(ctx, now, 'key.decrypt', `Read the plaintext of key ${key.id}`, keyResources(key)));
        }
      });
    }
    return { plaintexts, failed: failures.length };
  }

  private changeKey<T>(ctx: RequestContext, keyId: string, action: string, change: KeyChange<T>): Promise<T> {
    return changeKey(this.deps, ctx, keyId, (key) => requirePermission(ctx, keyScope(key.apiId, action, key.id)), change);
  }

  /** Sets remaining credits to the refill amount on every key due now. */
  async refillCredits(): Promise<number> {
    return this.deps.store.refillCredits(this.deps.clock.now());
  }
}
