import type { Clock } from '../../core/clock.js';
import { hashKey, safeEqual } from '../../core/key-format.js';
import { isMigrationAlgorithm, legacyHash, migratedKeyStart, type MigrationAlgorithm } from '../../core/key-migration.js';
import { keyScope, satisfies } from '../../core/permissions.js';
import type { RequestContext } from '../context.js';
import type { ServiceDeps } from '../deps.js';
import type { KeyRecord } from '../../storage/store.js';
import { auditEntry } from '../audit.js';
import { keyResources } from '../keys/change.js';

/**
 * Verification of imported keys (docs/unkey-compatibility.md, "Verification against a migration"). Only reached
 * when the ordinary lookup by Keyward's hash missed and the request names a migrationId, or (learnStart) when
 * a key imported under Keyward's own scheme verifies for the first time: the ordinary path pays nothing.
 *
 * A match is proof of the plaintext, so the key moves to Keyward's hash, gets its real start and leaves its
 * migration, in one statement, committed with its audit record (`key.complete_migration`, the verifying root key
 * as actor; docs/decisions/0010-audit-in-the-same-transaction.md); every node drops both hashes from its key
 * cache; verification then runs as for any key. Nothing happens for a caller who may not verify the key: it
 * learns nothing and changes nothing.
 */

/** The audit event of a key's first verification ending its migration (its hash moved, or its start recorded). */
const COMPLETED = 'key.complete_migration';

/** Migrations held per node (they never change, so found ones stay until evicted). */
const MAX_CACHED = 10_000;
/** How long an unknown migration id is remembered: a bogus id costs one query per this long, not per request. */
const MISS_MS = 10_000;

interface CachedMigration {
  algorithm: MigrationAlgorithm | undefined;
  /** Until when a miss holds (found migrations: forever). */
  until: number;
}

export class MigratedKeys {
  private readonly migrations = new Map<string, CachedMigration>();
  private readonly clock: Clock;

  constructor(private readonly deps: Pick<ServiceDeps, 'store' | 'clock' | 'bus' | 'logger' | 'knownKeys'>) {
    this.clock = deps.clock;
  }

  /**
   * Finds the key `plaintext` was imported as under the caller's migration `migrationId` and moves it to
   * Keyward's scheme. True when the key is now (or, after a concurrent verification, already) under its Keyward
   * hash, so the ordinary lookup will find it; false for no match, which answers NOT_FOUND.
   */
  async claim(ctx: RequestContext, plaintext: string, migrationId: string): Promise<boolean> {
    const algorithm = await this.algorithmOf(ctx.workspaceId, migrationId);
    // sha256_base64 keys are stored under Keyward's own hash: the ordinary lookup has already missed it.
    if (algorithm === undefined || algorithm === 'sha256_base64') return false;
    const legacy = legacyHash(algorithm, plaintext);
    if (legacy === undefined) return false;
    // Imported keys are stored under their foreign hash: the workspace's filter of stored hashes answers a flood of
    // unknown keys naming a real migration as it does without one (docs/decisions/0021-unknown-key-flood.md).
    const known = this.deps.knownKeys;
    if (known !== undefined && !known.mayHold(ctx.workspaceId, legacy) && (await known.confirmUnknown(ctx.workspaceId, legacy))) {
      return false;
    }
    const { store } = this.deps;
    // Scoped to the caller's workspace and to this migration: another workspace's imported key is not there.
    const pending = await store.findPendingMigratedKey(ctx.workspaceId, migrationId, legacy);
    if (pending === undefined) known?.missed(ctx.workspaceId);
    const hash = hashKey(plaintext);
    if (!pending || !safeEqual(pending.hash, legacy)) {
      // A concurrent verification may have moved the key since this one's lookup missed (and cached the miss):
      // then the key is under its Keyward hash now, and this verification must find it there too.
      if ((await store.findKeyByHash(ctx.workspaceId, hash)) === undefined) return false;
      await this.invalidate(ctx.workspaceId, [hash]);
      return true;
    }
    // The caller must hold verify_key on the key's API, as the ordinary path demands, before anything changes.
    if (!satisfies(ctx.permissions, ctx.workspaceId, keyScope(pending.apiId, 'verify_key', pending.id))) return false;
    const now = this.clock.now();
    const outcome = await store.transaction(async (tx) => {
      const done = await tx.completeKeyMigration(
        ctx.workspaceId,
        pending.id,
        { fromHash: legacy, hash, ...migratedKeyStart(plaintext) },
        now,
      );
      if (done === 'completed') {
        await tx.appendAudit(
          auditEntry(
            ctx,
            now,
            COMPLETED,
            `Moved imported key ${pending.id} from its ${algorithm} hash to Keyward's on its first verification (migration ${migrationId})`,
            [
              { type: 'key', id: pending.id },
              { type: 'api', id: pending.apiId },
              { type: 'key_migration', id: migrationId },
            ],
          ),
        );
        // Only a move changes anything for other nodes: both hashes, as invalidated below.
        await tx.logChanges(
          [legacy, hash].map((h) => ({ kind: 'key', workspaceId: ctx.workspaceId, hash: h })),
          now,
        );
      }
      return done;
    });
    // Both, whatever the outcome: the old hash must stop finding the key and the new one's cached miss must go.
    await this.invalidate(ctx.workspaceId, [legacy, hash]);
    if (outcome === 'conflict') {
      // Another key, live or deleted, already has this key's Keyward hash: refuse rather than guess.
      this.deps.logger.warn(
        { keyId: pending.id, migrationId },
        'an imported key could not take its Keyward hash: another key already has it',
      );
      return false;
    }
    return true;
  }

  /**
   * A key imported under Keyward's own scheme (sha256_base64) is found by the ordinary lookup; its first
   * verification records its real start and ends its migration, with its audit record. Best effort: a failure
   * (of either: they commit together) is logged and retried by the next verification, never turned into a failed
   * verification.
   */
  async learnStart(ctx: RequestContext, key: KeyRecord, plaintext: string): Promise<void> {
    try {
      const now = this.clock.now();
      await this.deps.store.transaction(async (tx) => {
        const done = await tx.completeKeyMigration(
          key.workspaceId,
          key.id,
          { fromHash: key.hash, hash: key.hash, ...migratedKeyStart(plaintext) },
          now,
        );
        // `gone`: a concurrent first verification recorded it (and its audit record) already.
        if (done !== 'completed') return;
        await tx.appendAudit(
          auditEntry(
            ctx,
            now,
            COMPLETED,
            `Recorded the start of imported key ${key.id} (sha256_base64) on its first verification`,
            keyResources(key),
          ),
        );
        await tx.logChanges([{ kind: 'key', workspaceId: key.workspaceId, hash: key.hash }], now);
      });
      await this.invalidate(key.workspaceId, [key.hash]);
    } catch (error) {
      this.deps.logger.warn(
        { keyId: key.id, reason: error instanceof Error ? error.message : String(error) },
        'could not record the start of an imported key',
      );
    }
  }

  /**
   * Drops these hashes of the workspace from every node's key cache: at once on this node, through Redis and the
   * change log on the others. Never fails: the bus reports a failed publish itself (server.ts).
   */
  private async invalidate(workspaceId: string, hashes: string[]): Promise<void> {
    await Promise.all(hashes.map((hash) => this.deps.bus.publish({ kind: 'key', workspaceId, hash })));
  }

  /** The algorithm of the workspace's migration, cached; undefined when there is no such migration. */
  private async algorithmOf(workspaceId: string, migrationId: string): Promise<MigrationAlgorithm | undefined> {
    const cacheKey = `${workspaceId}\u0000${migrationId}`;
    const now = this.clock.now();
    const cached = this.migrations.get(cacheKey);
    if (cached && now < cached.until) return cached.algorithm;
    const migration = await this.deps.store.findKeyMigration(workspaceId, migrationId);
    const algorithm = migration && isMigrationAlgorithm(migration.algorithm) ? migration.algorithm : undefined;
    this.migrations.delete(cacheKey);
    this.migrations.set(cacheKey, { algorithm, until: algorithm === undefined ? now + MISS_MS : Infinity });
    if (this.migrations.size > MAX_CACHED) {
      const oldest = this.migrations.keys().next().value;
      if (oldest !== undefined) this.migrations.delete(oldest);
    }
    return algorithm;
  }
}
