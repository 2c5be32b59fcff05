import { at, type Body, characterClass, type JsonSchema, makeBody, type Pools, pathsOf, withRawValue } from './arbitraries.js';

/**
 * The deterministic half of the fuzzer: one body with every field present (real objects where a pool has one), and
 * for each of its fields, containers included, the same body with that field replaced by each hostile token of its
 * type. Random generation reaches a given field with a given token rarely; this reaches every pair once per run.
 * Tokens left out by KEYWARD_FUZZ_SKIP (arbitraries.ts, KNOWN_FINDING_GENERATORS) are left out here too.
 */
export function sweepBodies(schema: JsonSchema, pools: Pools, skip: ReadonlySet<string>): Body[] {
  const full = fullBody(schema, pools);
  const numbers = ['-0', '4.5', 'NaN', ...(skip.has('nonfinite') ? [] : ['1e309', '1e300', '9223372036854775808'])];
  const strings = ['"\\ud800"', `"${'a'.repeat(100_000)}"`, ...(skip.has('nul') ? [] : ['"a\\u0000b"'])];
  const structures = [
    '{}',
    `[${Array(200_000).fill('1').join(',')}]`,
    ...(skip.has('deep') ? [] : [`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`]),
  ];
  const bodies = [makeBody('valid', 'every field present', JSON.stringify(full))];
  for (const path of pathsOf(full)) {
    const value = at(full, path);
    const tokens = typeof value === 'number' ? numbers : typeof value === 'string' ? strings : structures;
    for (const token of tokens)
      bodies.push(makeBody('hostile', `sweep ${path.join('.')} = ${token.slice(0, 30)}`, withRawValue(full, path, token)));
  }
  return bodies;
}

/** A valid body with every optional field present: the first non-null branch of a union, one item per array. */
export function fullBody(schema: JsonSchema, pools: Pools, field?: string): unknown {
  if (schema.anyOf) return fullBody(schema.anyOf.find((s: JsonSchema) => s.type !== 'null') ?? schema.anyOf[0], pools, field);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined) return schema.enum[0];
  switch (schema.type) {
    case 'string': {
      const real = field === undefined ? undefined : pools[field]?.[0];
      if (real !== undefined) return real;
      const char = schema.pattern === undefined ? 'f' : (characterClass(schema.pattern)?.find((c) => /[a-z]/.test(c)) ?? 'f');
      return char.repeat(Math.min(Math.max(schema.minLength ?? 0, 4), schema.maxLength ?? 4));
    }
    case 'integer':
    case 'number':
      return Math.min(Math.max(schema.minimum ?? 1, 1), schema.maximum ?? Number.MAX_SAFE_INTEGER);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array':
      return Array.from({ length: Math.max(schema.minItems ?? 0, 1) }, () => fullBody(schema.items, pools, field));
    case 'object':
      if (!schema.properties) return { fuzz: 1 };
      return Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, fullBody(s as JsonSchema, pools, k)]));
    default:
      return 1;
  }
}
