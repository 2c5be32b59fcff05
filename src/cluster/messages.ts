import type { Invalidation } from '../cache/bus.js';
import type { Decision } from '../core/rate-window.js';
import type { LimitCheck } from '../ratelimit/limiter.js';

/**
 * What the workers of `keyward start --workers N` and their primary say to each other over node:cluster's IPC channel
 * (docs/decisions/0022-workers-on-one-machine.md). Every message carries `kw`, so anything else on the channel (Node's
 * own cluster messages) is ignored.
 */

/** A worker asks; the primary answers with the same `id`. */
export type WorkerRequest =
  | { kw: 'hello'; id: number }
  | { kw: 'limit'; id: number; checks: readonly LimitCheck[]; now: number }
  | { kw: 'publish'; id: number; message: Invalidation };

/** A worker tells, without an answer. */
export type WorkerNotice = { kw: 'ready'; address: string; engine: string } | { kw: 'applied'; id: number };

export type PrimaryAnswer =
  | { kw: 'answer'; id: number; index: number; restarted: boolean }
  | { kw: 'answer'; id: number; decisions: Decision[] }
  | { kw: 'answer'; id: number; published: true }
  | { kw: 'failed'; id: number; error: string };

/** The primary tells a worker: apply a sibling's invalidation (and say `applied`), or stop as on SIGTERM. */
export type PrimaryNotice = { kw: 'invalidate'; id: number; message: Invalidation } | { kw: 'stop' };

export type FromWorker = WorkerRequest | WorkerNotice;
export type FromPrimary = PrimaryAnswer | PrimaryNotice;

export function isKeywardMessage<T extends { kw: string }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as { kw?: unknown }).kw === 'string';
}
