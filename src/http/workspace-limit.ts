import type { Clock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import { LimiterFailures, type WarnSink } from '../ratelimit/fail-open.js';
import type { Limiter } from '../ratelimit/limiter.js';

/**
 * The optional per-workspace API rate limit (docs/unkey-compatibility.md, "Workspace API rate limit"): N requests per minute per workspace,
 * counted right after authentication for every operation, by the same limiter (and algorithm) as
 * ratelimit.*, so it is exact across nodes with Redis. A workspace's own value (`keyward workspace-limit`)
 * travels with its cached root keys; `KEYWARD_WORKSPACE_RATE_LIMIT` covers workspaces without one.
 */

export const WORKSPACE_WINDOW_MS = 60_000;

export interface WorkspaceLimitDeps {
  limiter: Limiter;
  clock: Clock;
  /** Requests per minute for workspaces without their own value; null: unlimited. */
  defaultLimit: number | null;
  logger: WarnSink;
}

/**
 * Scoped by workspace, and apart from both the ratelimit.* namespaces (`<ws>:rlns_...`) and the verify
 * limits (`<ws>:verify:...`). The namespace and identifier are upstream's.
 */
const counterKey = (workspaceId: string): string => `${workspaceId}:workspace.ratelimit:${workspaceId}`;

export class WorkspaceRateLimit {
  private readonly failures: LimiterFailures;

  constructor(private readonly deps: WorkspaceLimitDeps) {
    this.failures = new LimiterFailures(deps.logger, deps.clock, 'workspace API rate limit');
  }

  /** The limit that applies to a workspace whose own value is `own`; null: none (no headers, nothing counted). */
  limitFor(own: number | null): number | null {
    return own ?? this.deps.defaultLimit;
  }

  /**
   * Counts this request. Sets RateLimit-Limit, -Remaining and -Reset (seconds until the window ends) through
   * `setHeader` on the answer, which keeps them whatever the operation answers, errors included. Over the limit it
   * also sets Retry-After and throws 429. A limit of 0 refuses everything. If the limiter fails the
   * request goes through without headers (fail open, logged at most every few seconds).
   */
  async enforce(workspaceId: string, limit: number, setHeader: (name: string, value: string) => void): Promise<void> {
    const now = this.deps.clock.now();
    let decision;
    try {
      [decision] = await this.deps.limiter.check([{ key: counterKey(workspaceId), limit, duration: WORKSPACE_WINDOW_MS, cost: 1 }], now);
    } catch (error) {
      this.failures.report(error);
      return;
    }
    if (decision === undefined) return;
    const resetSeconds = Math.max(1, Math.ceil((decision.reset - now) / 1000));
    setHeader('ratelimit-limit', String(limit));
    setHeader('ratelimit-remaining', String(decision.remaining));
    setHeader('ratelimit-reset', String(resetSeconds));
    if (decision.success) return;
    setHeader('retry-after', String(resetSeconds));
    throw new KeywardError(
      'workspace_rate_limited',
      limit === 0
        ? 'This workspace may not make API requests: its API rate limit is 0 requests per minute.'
        : `This workspace may make ${limit} API requests per minute; try again in ${resetSeconds} seconds.`,
    );
  }
}
