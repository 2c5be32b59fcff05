import { KeywardError, badInput } from '../core/errors.js';
import { resolveOverride } from '../core/override-match.js';
import { eitherScope, readOverrideScope, satisfies } from '../core/permissions.js';
import type { AnalyticsRecorder } from '../analytics/recorder.js';
import { LimiterFailures } from '../ratelimit/fail-open.js';
import { decisionsWithoutLimiter } from '../ratelimit/failure-mode.js';
import type { LimitCheck } from '../ratelimit/limiter.js';
import type { AuditResource, RatelimitNamespaceRecord, RatelimitOverrideRecord, StoreOps } from '../storage/store.js';
import { auditEntry } from './audit.js';
import type { RequestContext } from './context.js';
import type { CachedNamespace, ServiceDeps } from './deps.js';
import { requirePermission } from './authorization.js';
import { namespaceNotFound, overrideNotFound } from './not-found.js';
import { fetchPage, type Page } from './pagination.js';

/**
 * Standalone rate limiting (docs/unkey-compatibility.md, "ratelimit", "Rate-limit algorithm", "Permission requirements"): ratelimit.limit and multiLimit, overrides, and
 * Keyward's namespace management. The counting itself is the limiter's (memory or Redis, exact either
 * way); this decides which namespace, which override and which permissions apply.
 */

export interface LimitRequest {
  /** A namespace name or `rlns_` id; a name not seen before creates the namespace. */
  namespace: string;
  identifier: string;
  limit: number;
  duration: number;
  cost: number;
}

export interface LimitOutcome {
  /** As the caller gave it. */
  namespace: string;
  identifier: string;
  /** The effective limit: the override's when one matched. */
  limit: number;
  remaining: number;
  reset: number;
  success: boolean;
  /** Present only when an override matched. */
  overrideId?: string;
}

export interface OverrideInput {
  namespace: string;
  identifier: string;
  limit: number;
  duration: number;
}

/**
 * Bounds one cache entry to about 100 overrides (tens of kilobytes), so the cache as a whole stays within
 * KEYWARD_CACHE_SIZE times that however many overrides a namespace is given. Namespaces usually hold a few.
 */
export const MAX_CACHED_OVERRIDES = 100;

/** A namespace the limit call goes ahead with: live, and its overrides when they are cached. */
interface LimitedNamespace {
  namespace: RatelimitNamespaceRecord;
  overrides: readonly RatelimitOverrideRecord[] | null;
}

export interface PageInput {
  cursor?: string;
  limit: number;
}

const namespaceGone = (namespace: string) =>
  new KeywardError('ratelimit_namespace_gone', `The namespace '${namespace}' has been deleted; limits against it are refused.`);

const namespaceResource = (ns: RatelimitNamespaceRecord): AuditResource => ({ type: 'ratelimitNamespace', id: ns.id, name: ns.name });
const overrideResource = (override: RatelimitOverrideRecord): AuditResource => ({
  type: 'ratelimitOverride',
  id: override.id,
  name: override.identifier,
});

export class RatelimitService {
  private readonly limiterFailures: LimiterFailures;

  constructor(private readonly deps: ServiceDeps) {
    this.limiterFailures = new LimiterFailures(deps.logger, deps.clock, 'ratelimit.limit', deps.ratelimitFailureMode);
  }

  async limit(ctx: RequestContext, request: LimitRequest): Promise<LimitOutcome> {
    const [outcome] = await this.check(ctx, [request]);
    return outcome!;
  }

  /** All or nothing: the costs count only if every check passes; each outcome still says whether it alone passed. */
  async multiLimit(ctx: RequestContext, requests: readonly LimitRequest[]): Promise<{ passed: boolean; limits: LimitOutcome[] }> {
    const limits = await this.check(ctx, requests);
    return { passed: limits.every((l) => l.success), limits };
  }

  private async check(ctx: RequestContext, requests: readonly LimitRequest[]): Promise<LimitOutcome[]> {
    const recorder = this.deps.analyticsRecorder;
    const started = recorder === undefined ? 0 : performance.now();
    const now = this.deps.clock.now();
    const namespaces = await this.namespacesToLimit(
      ctx,
      requests.map((r) => r.namespace),
      now,
    );
    const targets = requests.map((request) => ({ request, namespace: namespaces.get(request.namespace)! }));
    const candidates = await this.overrideCandidates(ctx, targets);
    const applied = targets.map(({ request, namespace }) => {
      const namespaceId = namespace.namespace.id;
      // An override replaces both the limit and the window of the request.
      const override = resolveOverride(candidates.get(namespaceId)!, request.identifier);
      return { request, namespaceId, override, limit: override?.limit ?? request.limit, duration: override?.duration ?? request.duration };
    });
    const checks = applied.map((a) => ({
      key: `${ctx.workspaceId}:${a.namespaceId}:${a.request.identifier}`,
      limit: a.limit,
      duration: a.duration,
      cost: a.request.cost,
    }));
    const decisions = await this.decide(checks, now);
    if (recorder !== undefined) this.record(recorder, ctx, applied, decisions, now, performance.now() - started);
    const alerts = this.deps.ratelimitAlerts;
    if (alerts !== undefined) {
      for (let i = 0; i < applied.length; i++) {
        if (decisions[i]!.success) continue;
        const a = applied[i]!;
        alerts.refused(
          ctx.workspaceId,
          { type: 'namespace', id: a.namespaceId, name: namespaces.get(a.request.namespace)!.namespace.name },
          a.request.identifier,
          now,
        );
      }
    }
    return applied.map((a, i) => {
      const decision = decisions[i]!;
      const outcome: LimitOutcome = {
        namespace: a.request.namespace,
        identifier: a.request.identifier,
        limit: a.limit,
        remaining: decision.remaining,
        reset: decision.reset,
        success: decision.success,
      };
      if (a.override) outcome.overrideId = a.override.id;
      return outcome;
    });
  }

  /**
   * One analytics event per decision (a multiLimit call records each of its limits; each says whether it alone
   * passed), all with the call's latency. Calls refused before deciding (permissions, a deleted namespace) record none.
   */
  private record(
    recorder: AnalyticsRecorder,
    ctx: RequestContext,
    applied: ReadonlyArray<{ request: LimitRequest; namespaceId: string; override: RatelimitOverrideRecord | undefined }>,
    decisions: ReadonlyArray<{ success: boolean }>,
    now: number,
    latency: number,
  ): void {
    const requestId = ctx.requestId ?? '';
    for (let i = 0; i < applied.length; i++) {
      const a = applied[i]!;
      recorder.recordRatelimit({
        time: now,
        requestId,
        workspaceId: ctx.workspaceId,
        namespaceId: a.namespaceId,
        identifier: a.request.identifier,
        passed: decisions[i]!.success,
        latency,
        overrideId: a.override?.id ?? '',
        region: recorder.region,
      });
    }
  }

  /** The limiter's decisions; while it fails, what KEYWARD_RATELIMIT_FAILURE_MODE says (ratelimit/failure-mode.ts). */
  private async decide(checks: LimitCheck[], now: number) {
    try {
      return await this.deps.limiter.check(checks, now);
    } catch (error) {
      this.limiterFailures.report(error);
      return decisionsWithoutLimiter(checks, now, this.deps.ratelimitFailureMode ?? 'open');
    }
  }

  /**
   * The namespaces named in a limit call, by the string given. Each existing one needs
   * `ratelimit.*.limit` or `ratelimit.<id>.limit`; missing ones are created (audited), which needs
   * `ratelimit.*.create_namespace` and `ratelimit.*.limit` (a namespace that does not exist yet has no
   * id anyone could hold a specific permission for). Every check runs before anything is created.
   * Another workspace's namespace is not found here, so its name simply names a new one of the caller's.
   */
  private async namespacesToLimit(ctx: RequestContext, given: string[], now: number): Promise<Map<string, LimitedNamespace>> {
    const names = [...new Set(given)];
    const found = await Promise.all(names.map((name) => this.cachedNamespace(ctx.workspaceId, name)));
    for (const { namespace } of found) if (namespace) requirePermission(ctx, eitherScope('ratelimit', namespace.id, 'limit'));
    const missing = names.filter((_, i) => found[i]!.namespace === undefined);
    if (missing.length > 0) {
      requirePermission(ctx, ['ratelimit.*.create_namespace']);
      requirePermission(ctx, ['ratelimit.*.limit']);
    }
    const gone = names.find((_, i) => found[i]!.namespace?.deletedAt != null);
    if (gone !== undefined) throw namespaceGone(gone);

    const namespaces = new Map<string, LimitedNamespace>();
    names.forEach((name, i) => {
      const { namespace, overrides } = found[i]!;
      if (namespace) namespaces.set(name, { namespace, overrides });
    });
    if (missing.length === 0) return namespaces;
    await this.deps.store.transaction(async (tx) => {
      for (const name of missing) {
        // Race-safe: a concurrent call may create it first; then only that call audits the creation.
        const { namespace, created } = await tx.createRatelimitNamespace(ctx.workspaceId, name, now);
        if (created) {
          await tx.appendAudit(
            auditEntry(ctx, now, 'ratelimit_namespace.create', `Created rate-limit namespace ${namespace.id} ('${name}')`, [
              namespaceResource(namespace),
            ]),
          );
          await this.logAnnouncement(tx, ctx, now);
        }
        // Overrides read for this call, as before caching: one made by a concurrent creator may already have some.
        namespaces.set(name, { namespace, overrides: null });
      }
    });
    // Whoever created it, the miss cached here is wrong now; announcing it again also heals a creator that
    // committed but died before announcing.
    await this.announce(ctx);
    return namespaces;
  }

  private async cachedNamespace(workspaceId: string, given: string): Promise<CachedNamespace> {
    // Workspace ids hold no `:`, so the key names one (workspace, namespace as given) pair.
    return (await this.deps.ratelimitNamespaces.get(`${workspaceId}:${given}`, () => this.loadNamespace(workspaceId, given)))!;
  }

  private async loadNamespace(workspaceId: string, given: string): Promise<CachedNamespace> {
    const namespace = await this.deps.store.findRatelimitNamespace(workspaceId, given);
    // A missing or deleted namespace is answered before any override matters.
    if (!namespace || namespace.deletedAt !== null) return { workspaceId, namespace, overrides: [] };
    // One more than the bound, to learn whether the namespace has more; same order as the candidates query.
    const overrides = await this.deps.store.listRatelimitOverrides({
      workspaceId,
      namespaceId: namespace.id,
      limit: MAX_CACHED_OVERRIDES + 1,
    });
    return { workspaceId, namespace, overrides: overrides.length > MAX_CACHED_OVERRIDES ? null : overrides };
  }

  /** In the change's transaction: what `announce` will say, logged for nodes Redis does not reach (storage/change-log.ts). */
  private logAnnouncement(tx: StoreOps, ctx: RequestContext, now: number): Promise<void> {
    return tx.logChanges([{ kind: 'ratelimitNamespace', workspaceId: ctx.workspaceId }], now);
  }

  /** After commit, so no node can reload what the change has not yet written; before answering, so the caller's next limit sees it. */
  private announce(ctx: RequestContext): Promise<void> {
    return this.deps.bus.publish({ kind: 'ratelimitNamespace', workspaceId: ctx.workspaceId });
  }

  /**
   * The overrides that could apply, per namespace id: the cached ones, or for a namespace with too many to
   * cache, one query per namespace however many identifiers.
   */
  private async overrideCandidates(
    ctx: RequestContext,
    targets: Array<{ namespace: LimitedNamespace; request: LimitRequest }>,
  ): Promise<Map<string, readonly RatelimitOverrideRecord[]>> {
    const candidates = new Map<string, readonly RatelimitOverrideRecord[]>();
    // One namespace given by name and by id has two entries; either's complete list will do.
    for (const { namespace } of targets) if (namespace.overrides) candidates.set(namespace.namespace.id, namespace.overrides);
    const identifiers = new Map<string, Set<string>>();
    for (const { namespace, request } of targets) {
      const namespaceId = namespace.namespace.id;
      if (candidates.has(namespaceId)) continue;
      if (!identifiers.has(namespaceId)) identifiers.set(namespaceId, new Set());
      identifiers.get(namespaceId)!.add(request.identifier);
    }
    if (identifiers.size === 0) return candidates;
    const queried = await Promise.all(
      [...identifiers].map(async ([namespaceId, ids]) => {
        const found = await this.deps.store.findRatelimitOverrideCandidates(ctx.workspaceId, namespaceId, [...ids]);
        return [namespaceId, found] as const;
      }),
    );
    for (const [namespaceId, found] of queried) candidates.set(namespaceId, found);
    return candidates;
  }

  /** The override and namespace endpoints never create a namespace, and answer a deleted one 404 (only limit says 410). */
  private async liveNamespace(ctx: RequestContext, given: string): Promise<RatelimitNamespaceRecord> {
    // Another workspace's namespace answers "not found": the lookup is scoped to the caller's workspace.
    const ns = await this.deps.store.findRatelimitNamespace(ctx.workspaceId, given);
    if (!ns || ns.deletedAt !== null) throw namespaceNotFound(given);
    return ns;
  }

  /** The live namespace, once the caller may do `action` on it (or on every namespace). */
  private async namespaceAllowing(ctx: RequestContext, given: string, action: string): Promise<RatelimitNamespaceRecord> {
    const ns = await this.liveNamespace(ctx, given);
    requirePermission(ctx, eitherScope('ratelimit', ns.id, action));
    return ns;
  }

  /** Creates or replaces the override for this exact identifier (or pattern); an existing one keeps its id. */
  async setOverride(ctx: RequestContext, input: OverrideInput): Promise<RatelimitOverrideRecord> {
    const ns = await this.namespaceAllowing(ctx, input.namespace, 'set_override');
    const now = this.deps.clock.now();
    const override = await this.deps.store.transaction(async (tx) => {
      const result = await tx.upsertRatelimitOverride(
        { workspaceId: ctx.workspaceId, namespaceId: ns.id, identifier: input.identifier, limit: input.limit, duration: input.duration },
        now,
      );
      if (!result) throw namespaceNotFound(input.namespace); // deleted since the lookup
      const { override, created } = result;
      await tx.appendAudit(
        auditEntry(
          ctx,
          now,
          'ratelimit_override.set',
          `${created ? 'Created' : 'Updated'} override ${override.id} for '${override.identifier}' in namespace ${ns.id}: ` +
            `${override.limit} per ${override.duration} ms`,
          [namespaceResource(ns), overrideResource(override)],
        ),
      );
      await this.logAnnouncement(tx, ctx, now);
      return override;
    });
    await this.announce(ctx);
    return override;
  }

  /** The override that applies to `identifier`, resolved exactly as limit resolves it. */
  async getOverride(ctx: RequestContext, namespace: string, identifier: string): Promise<RatelimitOverrideRecord> {
    const ns = await this.liveNamespace(ctx, namespace);
    const override = resolveOverride(
      await this.deps.store.findRatelimitOverrideCandidates(ctx.workspaceId, ns.id, [identifier]),
      identifier,
    );
    // Masked as a missing namespace, as upstream: without read_override the namespace stays hidden. A URN grant must
    // cover the override found or, when none applies, every override of the namespace (`overrides/*`).
    if (!satisfies(ctx.permissions, ctx.workspaceId, readOverrideScope(ns.id, override?.id ?? '*'))) throw namespaceNotFound(namespace);
    if (!override) throw overrideNotFound(identifier);
    return override;
  }

  async listOverrides(ctx: RequestContext, namespace: string, input: PageInput): Promise<Page<RatelimitOverrideRecord>> {
    const ns = await this.namespaceAllowing(ctx, namespace, 'read_override');
    return fetchPage(input, (window) =>
      this.deps.store.listRatelimitOverrides({ workspaceId: ctx.workspaceId, namespaceId: ns.id, ...window }),
    );
  }

  /** Deletes the override with exactly this identifier: `user_*` is one override, never the ones it would match. */
  async deleteOverride(ctx: RequestContext, namespace: string, identifier: string): Promise<void> {
    const ns = await this.namespaceAllowing(ctx, namespace, 'delete_override');
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      const candidates = await tx.findRatelimitOverrideCandidates(ctx.workspaceId, ns.id, [identifier]);
      const override = candidates.find((o) => o.identifier === identifier);
      if (!override || !(await tx.softDeleteRatelimitOverride(ctx.workspaceId, override.id, now))) throw overrideNotFound(identifier);
      await tx.appendAudit(
        auditEntry(ctx, now, 'ratelimit_override.delete', `Deleted override ${override.id} for '${identifier}' in namespace ${ns.id}`, [
          namespaceResource(ns),
          overrideResource(override),
        ]),
      );
      await this.logAnnouncement(tx, ctx, now);
    });
    await this.announce(ctx);
  }

  /** Keyward-only: the workspace's live namespaces, in creation order. */
  async listNamespaces(ctx: RequestContext, input: PageInput): Promise<Page<RatelimitNamespaceRecord>> {
    requirePermission(ctx, ['ratelimit.*.read_namespace']);
    return fetchPage(input, (window) => this.deps.store.listRatelimitNamespaces({ workspaceId: ctx.workspaceId, ...window }));
  }

  /** Keyward-only. Counters and overrides belong to the namespace id, so they carry over to the new name. */
  async renameNamespace(ctx: RequestContext, namespace: string, name: string): Promise<RatelimitNamespaceRecord> {
    const ns = await this.namespaceAllowing(ctx, namespace, 'update_namespace');
    const now = this.deps.clock.now();
    const renamed = await this.deps.store.transaction(async (tx) => {
      const result = await tx.renameRatelimitNamespace(ctx.workspaceId, ns.id, name, now);
      if (result === 'not_found') throw namespaceNotFound(namespace);
      if (result === 'name_taken') {
        throw badInput(`Another namespace is already named '${name}'.`, [
          {
            location: 'body.name',
            message: 'is the name of another live namespace',
            fix: 'choose another name, or rename or delete the other namespace first',
          },
        ]);
      }
      await tx.appendAudit(
        auditEntry(ctx, now, 'ratelimit_namespace.update', `Renamed rate-limit namespace ${ns.id} from '${ns.name}' to '${name}'`, [
          namespaceResource({ ...ns, name }),
        ]),
      );
      await this.logAnnouncement(tx, ctx, now);
      return { ...ns, name, updatedAt: now };
    });
    await this.announce(ctx);
    return renamed;
  }

  /** Keyward-only. Soft delete: limits against it answer 410 from now on, the override endpoints 404. */
  async deleteNamespace(ctx: RequestContext, namespace: string): Promise<void> {
    const ns = await this.namespaceAllowing(ctx, namespace, 'delete_namespace');
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.softDeleteRatelimitNamespace(ctx.workspaceId, ns.id, now))) throw namespaceNotFound(namespace);
      await tx.appendAudit(
        auditEntry(ctx, now, 'ratelimit_namespace.delete', `Deleted rate-limit namespace ${ns.id} ('${ns.name}')`, [namespaceResource(ns)]),
      );
      await this.logAnnouncement(tx, ctx, now);
    });
    await this.announce(ctx);
  }
}
