/**
 * The bounds of the API's input (docs/errors.md, "Bounds"): the request schemas (src/contract/) enforce the numeric
 * ones, the storage keeps the one sum a request can make, a credit increment, within them, and
 * core/json-bounds.ts holds every request body to the nesting depth.
 */

/**
 * The largest count: credits, refill amounts, rate-limit limits and costs. Integers stay exact as JSON numbers, in
 * JavaScript and in Redis only up to 2^53 - 1; both engines store int64, so a count never becomes a REAL on SQLite
 * nor overflows a PostgreSQL bigint.
 */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** The longest rate-limit window of keys, identities and ad-hoc verification limits: 365 days, in milliseconds. */
export const MAX_WINDOW_MS = 365 * 86_400_000;

/**
 * How deeply a request body may nest objects and arrays, the body itself being level 1 (so `meta` holds 31 levels in
 * keys.createKey). Generous for any real `meta`, and far from where recursive code (JSON.stringify when storing
 * `meta`) runs out of stack.
 */
export const MAX_JSON_DEPTH = 32;
