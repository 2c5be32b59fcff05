import { MAX_JSON_DEPTH } from './bounds.js';
import type { FieldProblem } from './errors.js';

/**
 * Rules every JSON request body obeys before its schema is checked, whatever the operation: Fastify applies them in
 * a preValidation hook (http/app.ts) and the verify lane before its own validation (http/verify-lane.ts), so both
 * answer alike; `keyward import` applies them to each record (cli/import-file.ts). They hold everywhere, `meta`
 * included, which no schema looks inside (docs/errors.md, "Bounds"):
 *
 * - objects and arrays nest at most MAX_JSON_DEPTH levels: deeper `meta` overflowed the stack when stored (500);
 * - every number is finite: JSON `1e309` parses to Infinity, which `meta` would have stored as null (the schemas'
 *   integers refuse it too, with Ajv's strictNumbers);
 * - no string, property names included, holds a NUL character: PostgreSQL cannot store one in text (500), SQLite did;
 * - every string is well-formed UTF-16 (no lone surrogate): it has no UTF-8 form, so both engines' drivers stored
 *   U+FFFD in its place, silently changing what was sent.
 *
 * The walk stops at the first problem and never descends past the depth limit, so no body can exhaust the stack
 * here either.
 */

const NUL = 'must not contain the NUL character (\\u0000)';
const ILL_FORMED = 'must be well-formed Unicode (a lone surrogate is not)';
const NOT_FINITE = 'must be a finite number (1e309 is read as Infinity)';
const TOO_DEEP = `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;

/** String.prototype.isWellFormed: in Node 20, newer than the compiler's ES2022 library. */
const isWellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

const stringProblem = (text: string): string | undefined => (text.includes('\0') ? NUL : isWellFormed(text) ? undefined : ILL_FORMED);

/** A problem found below some value: the names leading to it, innermost first (collected while returning). */
interface Found {
  names: string[];
  message: string;
}

/**
 * Recursive, but never deeper than MAX_JSON_DEPTH + 1 calls: a container past the limit is reported, not entered.
 * About 0.3 us for `{"key": ...}`, 1 us for a verification with limits and tags.
 */
function problemIn(value: unknown, depth: number): Found | undefined {
  if (typeof value === 'string') {
    const message = stringProblem(value);
    return message ? { names: [], message } : undefined;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { names: [], message: NOT_FINITE };
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_JSON_DEPTH) return { names: [], message: TOO_DEEP };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = problemIn(value[i], depth + 1);
      if (found) {
        found.names.push(String(i));
        return found;
      }
    }
    return undefined;
  }
  for (const name of Object.keys(value)) {
    // A bad property name is reported at its object: echoing it in the location would send it back.
    const message = stringProblem(name);
    if (message) return { names: [], message: `property names ${message}` };
    const found = problemIn((value as Record<string, unknown>)[name], depth + 1);
    if (found) {
      found.names.push(name);
      return found;
    }
  }
  return undefined;
}

/**
 * The first problem of a parsed JSON value, or undefined when it keeps every rule. Its location is the dotted path
 * the schema errors use, under `root`: `body.meta.plan`, `body.ratelimits.0.name` (no root: `meta.plan`).
 */
export function jsonProblem(json: unknown, root = 'body'): FieldProblem | undefined {
  const found = problemIn(json, 1);
  if (!found) return undefined;
  const names = found.names.reverse();
  return { location: (root ? [root, ...names] : names).join('.'), message: found.message };
}
