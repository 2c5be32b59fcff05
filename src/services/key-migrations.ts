import { KeywardError, badInput, type FieldProblem } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { importedHash, isMigrationAlgorithm, MIGRATED_KEY_START, type MigrationAlgorithm } from '../core/key-migration.js';
import { keyScope, urn } from '../core/permissions.js';
import type { AuditResource, KeyMigrationRecord, Meta, NewRatelimit, RefillRecord } from '../storage/store.js';
import { auditEntry } from './audit.js';
import type { RequestContext } from './context.js';
import type { ServiceDeps } from './deps.js';
import { requireGivenAccessRights } from './keys/access-rights.js';
import { attachAccess } from './keys/change.js';
import { ratelimitsFrom, refillFrom, type CreditsInput, type RatelimitInput } from './keys/input.js';
import { requirePermission } from './authorization.js';
import { apiNotFound, migrationNotFound, roleNotFound } from './not-found.js';
import { createdNote, requireCreatable, unique } from './permissions.js';

/**
 * Importing keys that exist elsewhere only as hashes (docs/unkey-compatibility.md, "keys.migrateKeys"). A migration record
 * names the hash scheme; imported keys are stored under their hash as given, pending that migration, with a
 * placeholder `start`, until their first verification with the migrationId proves the plaintext and moves
 * them to Keyward's scheme (src/services/verify/migrated-keys.ts).
 */

export interface MigrateKeyInput {
  hash: string;
  name?: string;
  externalId?: string;
  meta?: Meta;
  roles?: string[];
  permissions?: string[];
  expires?: number;
  enabled?: boolean;
  credits?: CreditsInput;
  ratelimits?: RatelimitInput[];
}

export interface MigrateKeysInput {
  migrationId: string;
  apiId: string;
  keys: MigrateKeyInput[];
}

export interface MigrateKeysResult {
  /** The imported keys in request order, each under its hash as given. */
  migrated: { hash: string; keyId: string }[];
  /** Hashes some key of the workspace already had (or an earlier entry of the same request): always an array. */
  failed: string[];
}

export type KeyMigrationServiceDeps = Pick<ServiceDeps, 'store' | 'clock' | 'bus'>;

/** Creating a migration names no API: it needs create_key on every API (the `*` tuple, or a URN on every keyspace). */
const CREATE_MIGRATION = ['api.*.create_key', urn('keyspaces/*', 'create_key')];

/** Slugs per lookup of the ones to create: one entry's maximum, well under either engine's bound on bound parameters. */
const SLUGS_PER_LOOKUP = 1000;

/** An entry checked and in its stored form, before anything is written. */
interface PreparedKey {
  input: MigrateKeyInput;
  /** The hash as stored and looked up (lowercase for hex schemes). */
  hash: string;
  refill: RefillRecord | null;
  ratelimits: NewRatelimit[];
}

export class KeyMigrationService {
  constructor(private readonly deps: KeyMigrationServiceDeps) {}

  /** A new migration for keys hashed by `algorithm`; Keyward-only (upstream creates them out of band). Audited. */
  async createMigration(ctx: RequestContext, algorithm: MigrationAlgorithm): Promise<KeyMigrationRecord> {
    requirePermission(ctx, CREATE_MIGRATION);
    const now = this.deps.clock.now();
    const migration: KeyMigrationRecord = { id: newId('migration', now), workspaceId: ctx.workspaceId, algorithm, createdAt: now };
    await this.deps.store.transaction(async (tx) => {
      await tx.insertKeyMigration(migration);
      await tx.appendAudit(
        auditEntry(ctx, now, 'key_migration.create', `Created key migration ${migration.id} (${algorithm})`, [
          { type: 'key_migration', id: migration.id },
        ]),
      );
    });
    return migration;
  }

  /** The caller's migration with this id (404 otherwise). */
  async find(ctx: RequestContext, migrationId: string): Promise<KeyMigrationRecord & { algorithm: MigrationAlgorithm }> {
    const migration = await this.deps.store.findKeyMigration(ctx.workspaceId, migrationId);
    if (!migration || !isMigrationAlgorithm(migration.algorithm)) throw migrationNotFound(migrationId);
    return { ...migration, algorithm: migration.algorithm };
  }

  /** The workspace's oldest migration for `algorithm`, or a new one (`keyward import` reuses it on every run). */
  async findOrCreate(ctx: RequestContext, algorithm: MigrationAlgorithm): Promise<{ migration: KeyMigrationRecord; created: boolean }> {
    const existing = (await this.deps.store.listKeyMigrations(ctx.workspaceId)).find((m) => m.algorithm === algorithm);
    if (existing) return { migration: existing, created: false };
    return { migration: await this.createMigration(ctx, algorithm), created: true };
  }

  /**
   * Imports keys by hash into an API, in one transaction with one audit record (`key.migrate`). Needs create_key
   * on the API (403, checked first) and, when any entry names permissions or roles, what keys.addPermissions /
   * keys.addRoles need (403; `create_permission` too for slugs that do not exist yet, checked before anything is
   * written); the API (404) and the migration (404) must be the caller's. Every hash must
   * fit the migration's scheme and every entry the createKey rules (else 400, naming each entry; nothing written);
   * unknown roles answer 404 and write nothing. A hash some key of the workspace already has (live or deleted) is listed
   * in `failed` and skipped; other workspaces' keys never count.
   */
  async migrateKeys(ctx: RequestContext, input: MigrateKeysInput): Promise<MigrateKeysResult> {
    requirePermission(ctx, keyScope(input.apiId, 'create_key'));
    requireGivenAccessRights(ctx, input.keys);
    const now = this.deps.clock.now();
    const { store } = this.deps;
    const result = await store.transaction(async (tx) => {
      // Another workspace's API or migration is "not found": both lookups are scoped to the caller's workspace.
      const api = await tx.findApi(ctx.workspaceId, input.apiId);
      if (!api) throw apiNotFound();
      const migration = await tx.findKeyMigration(ctx.workspaceId, input.migrationId);
      if (!migration || !isMigrationAlgorithm(migration.algorithm)) throw migrationNotFound(input.migrationId);
      const prepared = prepareKeys(migration.algorithm, input.keys, now);

      const roles = [...new Set(input.keys.flatMap((k) => k.roles ?? []))];
      if (roles.length > 0) {
        const found = new Set((await tx.findRolesByName(ctx.workspaceId, roles)).map((r) => r.name));
        const missing = roles.find((name) => !found.has(name));
        if (missing !== undefined) throw roleNotFound(missing);
      }
      const slugs = unique(input.keys.flatMap((k) => k.permissions ?? []));
      const missing: string[] = [];
      for (let i = 0; i < slugs.length; i += SLUGS_PER_LOOKUP) {
        missing.push(...(await requireCreatable(tx, ctx, slugs.slice(i, i + SLUGS_PER_LOOKUP))));
      }
      const attached = new Set<string>();

      // Only the caller's workspace: another workspace's hashes must not change the answer
      // (docs/decisions/0007-keys-stored-as-sha256-hashes.md).
      const taken = new Set(
        await tx.findTakenKeyHashes(
          ctx.workspaceId,
          prepared.map((p) => p.hash),
        ),
      );
      const identities = new Map<string, string>();
      const migrated: (MigrateKeysResult['migrated'][number] & { stored: string })[] = [];
      const failed: string[] = [];
      const resources: AuditResource[] = [
        { type: 'api', id: api.id, name: api.name },
        { type: 'key_migration', id: migration.id },
      ];
      for (const { input: entry, hash, refill, ratelimits } of prepared) {
        if (taken.has(hash)) {
          failed.push(entry.hash);
          continue;
        }
        taken.add(hash); // a later entry with the same hash fails like an existing one
        let identityId: string | null = null;
        if (entry.externalId !== undefined) {
          identityId = identities.get(entry.externalId) ?? (await tx.upsertIdentity(ctx.workspaceId, entry.externalId, now));
          identities.set(entry.externalId, identityId);
        }
        const keyId = newId('key', now);
        const inserted = await tx.insertMigratedKey({
          id: keyId,
          workspaceId: ctx.workspaceId,
          apiId: api.id,
          hash,
          start: MIGRATED_KEY_START,
          prefix: null,
          name: entry.name ?? null,
          identityId,
          meta: entry.meta ?? null,
          enabled: entry.enabled ?? true,
          expires: entry.expires ?? null,
          remaining: entry.credits?.remaining ?? null,
          refill,
          createdAt: now,
          pendingMigrationId: migration.id,
        });
        // Taken since the check above, by a concurrent import.
        if (!inserted) {
          failed.push(entry.hash);
          continue;
        }
        if (ratelimits.length > 0) await tx.replaceKeyRatelimits(ctx.workspaceId, keyId, ratelimits, now);
        await attachAccess(tx, ctx.workspaceId, keyId, entry, now);
        for (const slug of entry.permissions ?? []) attached.add(slug);
        migrated.push({ hash: entry.hash, keyId, stored: hash });
        resources.push({ type: 'key', id: keyId, ...(entry.name ? { name: entry.name } : {}) });
      }
      // Nothing imported is nothing changed: a repeated import writes no record.
      if (migrated.length > 0) {
        const skipped = failed.length > 0 ? `; ${failed.length} already present` : '';
        // Only the slugs of keys imported were created: those of skipped keys were not attached.
        const created = createdNote(missing.filter((slug) => attached.has(slug)));
        await tx.appendAudit(
          auditEntry(
            ctx,
            now,
            'key.migrate',
            `Migrated ${migrated.length} key(s) into API ${api.id} (migration ${migration.id}, ${migration.algorithm})${skipped}${created}`,
            resources,
          ),
        );
      }
      // One row per key, in a few multi-row INSERTs: the same invalidations as published below, for nodes Redis misses.
      await tx.logChanges(
        migrated.map((m) => ({ kind: 'key', workspaceId: ctx.workspaceId, hash: m.stored })),
        now,
      );
      return { migrated, failed };
    });
    // Every node learns the stored hashes: keys under Keyward's own scheme verify by theirs at once (a miss cached for
    // one is dropped), and the unknown-key filters hold them, the foreign-scheme ones included, which verifications
    // naming a migrationId look up (docs/decisions/0021-unknown-key-flood.md).
    await Promise.all(result.migrated.map((m) => this.deps.bus.publish({ kind: 'key', workspaceId: ctx.workspaceId, hash: m.stored })));
    return { migrated: result.migrated.map(({ hash, keyId }) => ({ hash, keyId })), failed: result.failed };
  }
}

/** Every entry checked against the migration's scheme and createKey's rules; one 400 names every bad entry. */
function prepareKeys(algorithm: MigrationAlgorithm, keys: readonly MigrateKeyInput[], now: number): PreparedKey[] {
  const problems: FieldProblem[] = [];
  const prepared: PreparedKey[] = [];
  keys.forEach((entry, i) => {
    const location = `body.keys[${i}]`;
    const hash = importedHash(algorithm, entry.hash);
    if ('problem' in hash) {
      problems.push({ location: `${location}.hash`, message: `the hash ${hash.problem}` });
      return;
    }
    try {
      const refill = entry.credits ? refillFrom(entry.credits, 'create') : null;
      prepared.push({ input: entry, hash: hash.hash, refill, ratelimits: ratelimitsFrom(entry.ratelimits ?? [], now) });
    } catch (error) {
      if (!(error instanceof KeywardError) || error.code !== 'invalid_input') throw error;
      problems.push({ location, message: error.detail });
    }
  });
  if (problems.length > 0) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw badInput(`${first.location.replace(/^body\./, '')}: ${first.message.replace(/\.$/, '')}${more}.`, problems.slice(0, 100));
  }
  return prepared;
}
