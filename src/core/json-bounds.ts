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
 * The walk is iterative and stops at the first problem, so no body can exhaust the stack here either.
 */

const NUL = 'must not contain the NUL character (\\u0000)';
const ILL_FORMED = 'must be well-formed Unicode (a lone surrogate is not)';
const NOT_FINITE = 'must be a finite number (1e309 is read as Infinity)';
const TOO_DEEP = `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;

/** String.prototype.isWellFormed: in Node 20, newer than the compiler's ES2022 library. */
const isWellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

const stringProblem = (text: string): string | undefined => (text.includes('\0') ? NUL : isWellFormed(text) ? undefined : ILL_FORMED);

/** A value waiting to be checked: its parent and its name there make its location, built only for a problem. */
interface Pending {
  value: unknown;
  depth: number;
  parent: Pending | undefined;
  name: string;
}

/** `body.meta.plan`, `body.ratelimits.0.name`: the same dotted path as the schema errors' locations (no root: `meta.plan`). */
function locationOf(entry: Pending, root: string): string {
  const names: string[] = [];
  for (let at: Pending | undefined = entry; at?.parent; at = at.parent) names.push(at.name);
  names.reverse();
  return (root ? [root, ...names] : names).join('.');
}

/** The first problem of a parsed JSON value, located under `root`, or undefined when it keeps every rule. */
export function jsonProblem(json: unknown, root = 'body'): FieldProblem | undefined {
  const stack: Pending[] = [{ value: json, depth: 1, parent: undefined, name: '' }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { value } = entry;
    if (typeof value === 'string') {
      const message = stringProblem(value);
      if (message) return { location: locationOf(entry, root), message };
      continue;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { location: locationOf(entry, root), message: NOT_FINITE };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (entry.depth > MAX_JSON_DEPTH) return { location: locationOf(entry, root), message: TOO_DEEP };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: entry.depth + 1, parent: entry, name: String(i) });
      continue;
    }
    const names = Object.keys(value);
    for (const name of names) {
      // A bad property name is reported at its object: echoing it in the location would send it back.
      const message = stringProblem(name);
      if (message) return { location: locationOf(entry, root), message: `property names ${message}` };
    }
    for (let i = names.length - 1; i >= 0; i--) {
      const name = names[i]!;
      stack.push({ value: (value as Record<string, unknown>)[name], depth: entry.depth + 1, parent: entry, name });
    }
  }
  return undefined;
}
