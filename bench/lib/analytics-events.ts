import type { VerificationEvent } from '../../src/analytics/events.js';
import { canonicalTags } from '../../src/analytics/schema.js';

/**
 * The stored events of the analytics query benchmark (issue 14), as a pure function of the event's number n: the
 * same integer arithmetic is written here in TypeScript (for the store's write()) and in SQL (for the bulk loader,
 * bench/lib/analytics-bulk.ts), so both loaders store the same events. Every intermediate value stays below 2^53,
 * so the TypeScript is exact, and below 2^63, so the SQL is.
 *
 * Distribution: evenly over the last 30 days in time order, 10,000 keys over 10 APIs, 90% VALID, 5% RATE_LIMITED,
 * 3% USAGE_EXCEEDED, 2% NOT_FOUND (no key, no API, no identity); a quarter of the keys tag their requests (an eighth
 * with two tags), a fifth of the keys belong to an identity, a tenth spend one credit per valid verification.
 */

export const QUERY_APIS = 10;
export const QUERY_KEYS = 10_000;
export const QUERY_DAYS = 30;
const DAY_MS = 86_400_000;

/** The MINSTD generator's modulus and multiplier: two steps of it mix n into the key and the outcome roll. */
const MODULUS = 2_147_483_647;
const MULTIPLIER = 48_271;

export interface EventPlan {
  /** How many events, numbered 0 .. events - 1. */
  events: number;
  /** Unix ms of event 0; event n is at `from + n * step`. */
  from: number;
  step: number;
  workspaceId: string;
  /** QUERY_APIS ids: key k belongs to apis[k % QUERY_APIS]. */
  apis: readonly string[];
}

/** A plan whose events end a minute before `now` and start 30 days before it. */
export function eventPlan(events: number, now: number, workspaceId: string, apis: readonly string[]): EventPlan {
  if (apis.length !== QUERY_APIS) throw new Error(`the benchmark's events need ${QUERY_APIS} APIs`);
  const span = QUERY_DAYS * DAY_MS - 60_000;
  return { events, from: now - QUERY_DAYS * DAY_MS, step: Math.max(1, Math.floor(span / Math.max(1, events))), workspaceId, apis };
}

const TAGS_ONE = canonicalTags(['env:production']);
const TAGS_TWO = canonicalTags(['tier:pro', 'env:production']);
const TAGS_NONE = canonicalTags([]);

export const benchKeyId = (k: number): string => `key_bench_analytics_${String(k).padStart(6, '0')}`;

/** Event n's key number, outcome roll (0..99) and latency, from two steps of MINSTD. */
function draws(n: number): { k: number; roll: number; latency: number } {
  const x = (n * MULTIPLIER) % MODULUS;
  const y = (x * MULTIPLIER) % MODULUS;
  return { k: x % QUERY_KEYS, roll: y % 100, latency: Math.floor(y / 100) % 5 };
}

const outcomeOf = (roll: number): string => (roll < 90 ? 'VALID' : roll < 95 ? 'RATE_LIMITED' : roll < 98 ? 'USAGE_EXCEEDED' : 'NOT_FOUND');

export function benchEvent(plan: EventPlan, n: number): VerificationEvent {
  const { k, roll, latency } = draws(n);
  const outcome = outcomeOf(roll);
  const found = outcome !== 'NOT_FOUND';
  const identified = found && k % 5 === 0;
  return {
    time: plan.from + n * plan.step,
    requestId: `req_bench_${n}`,
    workspaceId: plan.workspaceId,
    keySpaceId: found ? plan.apis[k % QUERY_APIS]! : '',
    keyId: found ? benchKeyId(k) : '',
    identityId: identified ? `identity_bench_${k % 50}` : '',
    externalId: identified ? `user_${k % 50}` : '',
    outcome,
    // Out of order on purpose: the store sorts them (schema.ts canonicalTags).
    tags: k % 8 === 0 ? ['tier:pro', 'env:production'] : k % 4 === 0 ? ['env:production'] : [],
    spentCredits: outcome === 'VALID' && k % 10 === 1 ? 1 : 0,
    latency,
    region: 'bench',
  };
}

/** A key that has events in the second half of the 30 days (the per-key query's key). */
export function queriedKey(plan: EventPlan): string {
  for (let n = Math.floor(plan.events / 2); n < plan.events; n++) {
    const event = benchEvent(plan, n);
    if (event.keyId !== '') return event.keyId;
  }
  throw new Error('no event with a key');
}

/**
 * The SELECT producing the same rows as benchEvent for n in 0 .. events - 1, in analytics_verifications' column order
 * (src/analytics/schema.ts); `bind` adds a parameter and answers its placeholder (named or numbered, as the text's
 * order is not the binding order). `seriesCte` is the engine's common table expression `series(n)` of those numbers.
 */
export function benchEventsSelect(plan: EventPlan, seriesCte: string, bind: (value: string | number) => string): string {
  const text = (value: string) => `CAST(${bind(value)} AS text)`;
  const integer = (value: number) => `CAST(${bind(value)} AS bigint)`;
  const apiCases = plan.apis.map((api, i) => `WHEN ${i} THEN ${text(api)}`).join(' ');
  const padded = `CASE WHEN k < 10 THEN '00000' WHEN k < 100 THEN '0000' WHEN k < 1000 THEN '000' ELSE '00' END || k`;
  const found = `outcome <> 'NOT_FOUND'`;
  const identified = `(${found} AND k % 5 = 0)`;
  return `
    WITH RECURSIVE ${seriesCte},
    x_step AS (SELECT n, (n * ${MULTIPLIER}) % ${MODULUS} AS x FROM series),
    y_step AS (SELECT n, x % ${QUERY_KEYS} AS k, (x * ${MULTIPLIER}) % ${MODULUS} AS y FROM x_step),
    drawn AS (
      SELECT n, k, (y / 100) % 5 AS latency,
        CASE WHEN y % 100 < 90 THEN 'VALID' WHEN y % 100 < 95 THEN 'RATE_LIMITED' WHEN y % 100 < 98 THEN 'USAGE_EXCEEDED' ELSE 'NOT_FOUND' END AS outcome
      FROM y_step)
    SELECT
      'req_bench_' || n,
      ${integer(plan.from)} + n * ${integer(plan.step)},
      ${text(plan.workspaceId)},
      CASE WHEN ${found} THEN CASE k % ${QUERY_APIS} ${apiCases} END ELSE '' END,
      CASE WHEN ${identified} THEN 'identity_bench_' || (k % 50) ELSE '' END,
      CASE WHEN ${identified} THEN 'user_' || (k % 50) ELSE '' END,
      CASE WHEN ${found} THEN 'key_bench_analytics_' || ${padded} ELSE '' END,
      'bench',
      outcome,
      CASE WHEN k % 8 = 0 THEN ${text(TAGS_TWO)} WHEN k % 4 = 0 THEN ${text(TAGS_ONE)} ELSE ${text(TAGS_NONE)} END,
      CASE WHEN outcome = 'VALID' AND k % 10 = 1 THEN 1 ELSE 0 END,
      latency
    FROM drawn`;
}
