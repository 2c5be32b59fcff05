/**
 * The rate-limit algorithm (Unkey's; docs/unkey-compatibility.md, "Rate-limit algorithm"): a sliding window approximated from two fixed
 * windows. The previous window's count is weighted by how much of it still overlaps the sliding
 * window. Pure functions: the limiters keep the counters, this decides.
 */

export interface FixedWindow {
  /** floor(now / duration): identifies the window. */
  sequence: number;
  start: number;
  /** End of the current fixed window (Unix ms): what `reset` reports. */
  reset: number;
}

/** Durations below 1 ms (verify's ad-hoc limits accept 0, as upstream) count as 1 ms: never a division by zero. */
export function fixedWindow(now: number, duration: number): FixedWindow {
  if (!(duration >= 1)) duration = 1;
  const sequence = Math.floor(now / duration);
  return { sequence, start: sequence * duration, reset: (sequence + 1) * duration };
}

export interface WindowCounts {
  /** Cost admitted in the current fixed window. */
  current: number;
  /** Cost admitted in the one before it. */
  previous: number;
}

export interface Decision {
  success: boolean;
  remaining: number;
  reset: number;
}

/**
 * Whether `cost` more fits under `limit` now. A limit of 0 denies everything (upstream errors on it;
 * an override of 0 is how operators block an identifier). Cost 0 is a pure check, which passes even
 * exactly at the limit.
 */
export function decide(counts: WindowCounts, limit: number, cost: number, now: number, duration: number): Decision {
  if (!(duration >= 1)) duration = 1;
  const window = fixedWindow(now, duration);
  if (limit <= 0) return { success: false, remaining: 0, reset: window.reset };
  const elapsed = (now - window.start) / duration;
  const effective = counts.current + Math.floor(counts.previous * (1 - elapsed)) + cost;
  if (effective > limit) return { success: false, remaining: 0, reset: window.reset };
  return { success: true, remaining: Math.max(0, limit - effective), reset: window.reset };
}

/**
 * What a check that passed reports when its batch was refused (a multiLimit or a verification with another limit
 * exceeded): nothing of the batch was counted, so `limit - used` without its cost, as upstream reports it.
 */
export function uncharged(counts: WindowCounts, limit: number, now: number, duration: number): number {
  return decide(counts, limit, 0, now, duration).remaining;
}
