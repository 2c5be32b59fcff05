/**
 * What Keyward records for analytics (docs/decisions/0014-analytics-in-keywards-own-stores.md): one event per
 * keys.verifyKey and one per ratelimit.limit / ratelimit.multiLimit decision. Recording is never on the hot path:
 * services hand events to the recorder (src/analytics/recorder.ts), which buffers them and writes them in batches
 * through an AnalyticsStore (src/analytics/store.ts).
 *
 * Strings that are absent are '' (never null), as upstream's tables have them, so `identity_id = ''` means "no
 * identity" in a query and every rollup's grouping columns are plain values.
 */

export interface VerificationEvent {
  /** Unix milliseconds when the verification was decided. */
  time: number;
  requestId: string;
  workspaceId: string;
  /** The key's API id (upstream calls it the key space; Keyward's keys belong to APIs directly); '' for an unknown key. */
  keySpaceId: string;
  /** '' when the key was not found. */
  keyId: string;
  identityId: string;
  externalId: string;
  /** The verify answer's `code`: VALID, NOT_FOUND, RATE_LIMITED, USAGE_EXCEEDED, ... */
  outcome: string;
  /** The request's tags, as sent (the store sorts and deduplicates them for grouping). */
  tags: string[];
  /** Credits this verification took (0 when it was refused or the key has no credits). */
  spentCredits: number;
  /** Milliseconds the verification took inside Keyward. */
  latency: number;
  /** The node that decided (KEYWARD_NODE_NAME, the host name by default). */
  region: string;
}

export interface RatelimitEvent {
  time: number;
  requestId: string;
  workspaceId: string;
  namespaceId: string;
  identifier: string;
  passed: boolean;
  latency: number;
  /** The override that applied, '' when none. */
  overrideId: string;
  region: string;
}

export interface AnalyticsBatch {
  verifications: VerificationEvent[];
  ratelimits: RatelimitEvent[];
}
