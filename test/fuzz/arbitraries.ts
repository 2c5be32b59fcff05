import fc from 'fast-check';

/**
 * Request bodies generated from an operation's own JSON Schema (the TypeBox schema its route validates with), in three
 * kinds: valid bodies, almost-valid ones (one field replaced, removed or added) and hostile ones, written as raw JSON
 * text so that they can hold what JSON.stringify never writes (1e309, duplicate keys, `__proto__`, 5,000 levels).
 * Only the keywords the contract uses are understood; `unsupportedKeywords` names any other, so a schema that
 * grows one fails the fuzzer instead of being fuzzed wrongly.
 */

export type JsonSchema = Record<string, any>;

/** Real values by property name (`keyId`, `apiId`, ...), so that valid bodies sometimes name existing objects. */
export type Pools = Record<string, readonly string[]>;

/**
 * Hostile generators that hit issue 11's findings 4, 8 and 9 (non-finite and out-of-range numbers, deep nesting, NUL).
 * Each can be left out with KEYWARD_FUZZ_SKIP=<comma list>, to fuzz a commit from before their fixes for other
 * failures; by default every generator runs.
 */
export const KNOWN_FINDING_GENERATORS = ['nonfinite', 'deep', 'nul'] as const;
export type KnownFindingGenerator = (typeof KNOWN_FINDING_GENERATORS)[number];

export interface Body {
  kind: 'valid' | 'almost' | 'hostile';
  /** What the generator did, for the failure message. */
  note: string;
  /** The JSON text sent. */
  text: string;
}

/** A body that prints short in fast-check's counterexample (its text may be megabytes). */
export function makeBody(kind: Body['kind'], note: string, text: string): Body {
  return {
    kind,
    note,
    text,
    [fc.toStringMethod]: () => `${kind} body (${note}), ${text.length} chars: ${text.slice(0, 300)}`,
  } as Body;
}

const UNDERSTOOD = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'maxProperties',
  'items',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'anyOf',
  'const',
  'enum',
  'default',
  'description',
  '$id',
]);

/** The schema keywords (with their paths) this generator does not understand. */
export function unsupportedKeywords(schema: JsonSchema, path = 'body'): string[] {
  const found: string[] = [];
  for (const key of Object.keys(schema)) if (!UNDERSTOOD.has(key)) found.push(`${path}: ${key}`);
  for (const [name, child] of Object.entries(schema.properties ?? {}))
    found.push(...unsupportedKeywords(child as JsonSchema, `${path}.${name}`));
  for (const child of Object.values(schema.patternProperties ?? {})) found.push(...unsupportedKeywords(child as JsonSchema, `${path}.*`));
  if (schema.items) found.push(...unsupportedKeywords(schema.items, `${path}[]`));
  for (const [i, child] of (schema.anyOf ?? []).entries()) found.push(...unsupportedKeywords(child, `${path}|${i}`));
  return found;
}

const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
// Beyond ASCII, and characters that mean something to SQL, JSON, URLs or shells; one code point each, as Ajv counts length.
const AWKWARD = ['é', 'ß', '日', '🙂', '\u200b', '\u202e', '\t', '\n', "'", '"', '\\', '%', '_', ';', '$'];
const textUnit = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ASCII) }, { weight: 1, arbitrary: fc.constantFrom(...AWKWARD) });

/** The characters of a `^[...]+$` pattern (every pattern the contract uses has this form); undefined otherwise. */
export function characterClass(pattern: string): string[] | undefined {
  const match = /^\^\[(.+)\]\+\$$/.exec(pattern);
  if (!match) return undefined;
  const source = match[1]!;
  const chars = new Set<string>();
  let i = 0;
  const atom = (): string => {
    const escaped = source[i] === '\\';
    const char = source[escaped ? i + 1 : i]!;
    i += escaped ? 2 : 1;
    return char;
  };
  while (i < source.length) {
    const from = atom();
    // An unescaped '-' between two atoms is a range; first or last, it is itself.
    if (source[i] === '-' && i + 1 < source.length) {
      i++;
      const to = atom();
      for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) chars.add(String.fromCharCode(c));
    } else chars.add(from);
  }
  return [...chars];
}

/** A length in [min, max]: mostly short, sometimes exactly a bound. */
function lengthIn(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min, max: Math.min(max, min + 24) }) },
    { weight: 1, arbitrary: fc.constant(min) },
    { weight: 1, arbitrary: fc.constant(max) },
  );
}

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 256;
  if (schema.pattern === undefined) return lengthIn(min, max).chain((n) => fc.string({ unit: textUnit, minLength: n, maxLength: n }));
  const chars = characterClass(schema.pattern);
  if (chars)
    return lengthIn(Math.max(min, 1), max).chain((n) => fc.string({ unit: fc.constantFrom(...chars), minLength: n, maxLength: n }));
  return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => [...s].length >= min && [...s].length <= max);
}

function validInteger(schema: JsonSchema): fc.Arbitrary<number> {
  const min = Math.max(schema.minimum ?? Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);
  const max = Math.min(schema.maximum ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: Math.max(min, -1000), max: Math.min(max, Math.max(min, 0) + 1000) }) },
    { weight: 2, arbitrary: fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number) },
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
  );
}

const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Bodies the schema accepts. A string field whose name has a pool names a real object three times in four. */
export function validValue(schema: JsonSchema, pools: Pools, field?: string): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s: JsonSchema) => validValue(s, pools, field)));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string': {
      const pool = field === undefined ? undefined : pools[field];
      const generated = validString(schema);
      return pool && pool.length > 0
        ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: generated })
        : generated;
    }
    case 'integer':
      return validInteger(schema);
    case 'number':
      return fc.double({ min: schema.minimum, max: schema.maximum, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validValue(schema.items, pools, field), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, Math.max(schema.minItems ?? 0, 5)),
      });
    case 'object': {
      if (schema.properties) {
        const model = Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, validValue(s as JsonSchema, pools, k)]));
        return fc.record(model, { requiredKeys: schema.required ?? [] });
      }
      // A free-form object (`meta`): any JSON values under string keys.
      return fc.dictionary(fc.string({ unit: textUnit, maxLength: 12 }), anyJson, {
        maxKeys: Math.min(schema.maxProperties ?? 5, 5),
        noNullPrototype: true,
      });
    }
    default:
      return anyJson;
  }
}

/** Values near each bound of the schema and of every field in it: one past each limit, the wrong type, a bad pattern. */
export function edgeValues(schema: JsonSchema): unknown[] {
  const out = new Set<unknown>([null, true, 0, -1, 1.5, '', 'x', '1', [], {}, [null], { a: 1 }]);
  const visit = (s: JsonSchema) => {
    if (s.minLength !== undefined && s.minLength > 0) out.add('a'.repeat(s.minLength - 1));
    if (s.maxLength !== undefined) out.add('a'.repeat(s.maxLength + 1));
    if (s.pattern !== undefined) for (const v of ['has space', 'semi;colon', 'ünïcode', 'new\nline']) out.add(v);
    if (s.minimum !== undefined) out.add(s.minimum - 1);
    if (s.maximum !== undefined) out.add(s.maximum + 1);
    if (s.maxItems !== undefined) out.add(Array.from({ length: s.maxItems + 1 }, () => 'item'));
    if (s.maxProperties !== undefined) out.add(Object.fromEntries(Array.from({ length: s.maxProperties + 1 }, (_, i) => [`k${i}`, i])));
    if (s.const !== undefined) out.add(`${s.const}_not_an_option`);
    for (const option of s.enum ?? []) out.add(`${option}_not_an_option`);
    for (const child of Object.values(s.properties ?? {})) visit(child as JsonSchema);
    if (s.items) visit(s.items);
    for (const child of s.anyOf ?? []) visit(child);
  };
  visit(schema);
  return [...out];
}

export type Path = (string | number)[];

/** Every path into `value` (not the root itself), containers and leaves alike. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
}

/** Paths to the objects in `value`, the root included. */
function objectPathsOf(value: unknown): Path[] {
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  return [...(isObject(value) ? [[]] : []), ...pathsOf(value).filter((p) => isObject(at(value, p)))];
}

export function at(value: unknown, path: Path): any {
  return path.reduce<any>((v, k) => v[k], value);
}

/** A deep copy of `value` with `edit` applied to the container holding `path`'s last step. */
function edited(value: unknown, path: Path, edit: (parent: any, key: string | number) => void): unknown {
  const copy = structuredClone(value);
  edit(at(copy, path.slice(0, -1)), path.at(-1)!);
  return copy;
}

const pick = <T>(items: readonly T[], n: number): T => items[n % items.length]!;

/** One field replaced by a value near a bound or of the wrong type, removed, or an unknown field added. */
export function almostValid(schema: JsonSchema, pools: Pools): fc.Arbitrary<Body> {
  const edges = edgeValues(schema);
  return fc.tuple(validValue(schema, pools), fc.nat(), fc.nat(), fc.constantFrom('replace', 'remove', 'add')).map(([body, p, v, how]) => {
    const paths = pathsOf(body);
    if (how === 'add' || paths.length === 0) {
      const target = pick(objectPathsOf(body), p);
      if (target === undefined) return makeBody('almost', 'body of the wrong type', JSON.stringify(pick(edges, v)));
      const copy: any = structuredClone(body);
      at(copy, target).unexpectedField = pick(edges, v);
      return makeBody('almost', `unknown field at ${target.join('.') || 'root'}`, JSON.stringify(copy));
    }
    const path = pick(paths, p);
    const value = pick(edges, v);
    const changed =
      how === 'remove'
        ? edited(body, path, (parent, key) => (Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key]))
        : edited(body, path, (parent, key) => {
            parent[key] = value;
          });
    return makeBody('almost', `${how} ${path.join('.')}`, JSON.stringify(changed));
  });
}

/** Raw JSON tokens by family (numbers, strings, structures), each family without the generators `skip` names. */
function rawTokens(skip: ReadonlySet<string>): string[][] {
  const numbers = [
    // Numbers JSON.parse turns into something else: -0, exponents, fractions, 32-bit edges.
    '-0',
    '-0.0',
    '0.0',
    '1E2',
    '1e-400',
    '4.5',
    '2147483648',
    '-2147483649',
    '1.0000000000000002',
    'NaN',
    'Infinity',
  ];
  if (!skip.has('nonfinite')) {
    numbers.push('1e309', '-1e309', '1e400', '1e300', '9223372036854775808', '9223372036854775807', '-9223372036854775809');
    numbers.push('18446744073709551616', '9007199254740993', '123456789012345678901234567890');
  }
  const strings = [
    // Lone surrogates, direction marks, a BOM, escapes, injection classics, a raw control character, long strings.
    '"\\ud800"',
    '"a\\udc00b"',
    '"\\ud83d\\ude00"',
    '"\\u202e\\ufeff"',
    '"\\\\u0000"',
    `"' OR 1=1 --"`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a Log4Shell probe, not a template.
    '"${jndi:ldap://x}"',
    '"../../etc/passwd"',
    '"\u0001"',
    `"${'a'.repeat(100_000)}"`,
    `"${'日'.repeat(20_000)}"`,
  ];
  if (!skip.has('nul')) strings.push('"\\u0000"', '"a\\u0000b"', '"\\u0000\\u0000\\u0000"');
  const structures = [
    // Huge arrays (within the body limit) and wrong types.
    `[${Array(200_000).fill('1').join(',')}]`,
    `[${Array(50_000).fill('"x"').join(',')}]`,
    `[${Array(20_000).fill('{}').join(',')}]`,
    'true',
    '{}',
    '[]',
  ];
  if (!skip.has('deep')) {
    for (const depth of [1_000, 5_000, 20_000]) {
      structures.push(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, `${'['.repeat(depth)}${']'.repeat(depth)}`);
    }
  }
  return [numbers, strings, structures];
}

/** Whole bodies that are not an object of the operation. */
const HOSTILE_WHOLE_BODIES = [
  '',
  ' ',
  '[]',
  'null',
  '"x"',
  '1',
  'true',
  '{',
  '{"a":1}x',
  '\ufeff{}',
  '{"a":1,}',
  '{}',
  "{'a':1}",
  '{"a":1}{"a":1}',
];

/** Members added to an object as raw text: prototype keys. */
const PROTOTYPE_MEMBERS = [
  '"__proto__":{"polluted":"yes"}',
  '"constructor":{"prototype":{"polluted":"yes"}}',
  '"prototype":{"polluted":"yes"}',
  '"__proto__":null',
  '"hasOwnProperty":1',
  '"toString":"x"',
];

const SENTINEL = '__fuzz_sentinel_7f3a__';
const sentinelText = JSON.stringify(SENTINEL);

/** `body` as JSON text with the value at `path` replaced by `raw`. */
export function withRawValue(body: unknown, path: Path, raw: string): string {
  const copy = edited(body, path, (parent, key) => {
    parent[key] = SENTINEL;
  });
  return JSON.stringify(copy).replace(sentinelText, () => raw);
}

/** `body` as JSON text with the raw `member` ("key":value) added to the object at `path`, first or last. */
function withRawMember(body: unknown, path: Path, member: string, first: boolean): string {
  const copy: any = structuredClone(body);
  const target = at(copy, path);
  const rebuilt = first ? { [SENTINEL]: 0, ...target } : { ...target, [SENTINEL]: 0 };
  const text = JSON.stringify(path.length === 0 ? rebuilt : edited(copy, path, (parent, key) => (parent[key] = rebuilt)));
  return text.replace(`${sentinelText}:0`, () => member);
}

/** The token family that matches the type of `value` (so that a number field gets 1e309 more often than "x"). */
function familyFor(value: unknown, families: string[][]): string[] {
  if (typeof value === 'number') return families[0]!;
  if (typeof value === 'string') return families[1]!;
  return families[2]!;
}

/** Hostile raw-text bodies: tokens spliced into a valid body, prototype keys, duplicate keys, broken wholes. */
export function hostile(schema: JsonSchema, pools: Pools, skip: ReadonlySet<string>): fc.Arbitrary<Body> {
  const families = rawTokens(skip);
  const tokens = families.flat();
  const body = (note: string, text: string): Body => makeBody('hostile', note, text);
  return fc
    .tuple(
      validValue(schema, pools),
      fc.nat(),
      fc.nat(),
      fc.boolean(),
      fc.constantFrom('token', 'token', 'token', 'prototype', 'duplicate', 'whole'),
      // Mostly a token of the field's own type; sometimes one of any family.
      fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...families) }),
    )
    .map(([valid, p, v, first, how, anyFamily]) => {
      const objects = objectPathsOf(valid);
      const paths = pathsOf(valid);
      if (how === 'whole' || (how === 'token' && paths.length === 0) || objects.length === 0) {
        const whole = pick([...HOSTILE_WHOLE_BODIES, ...tokens], v);
        return body(`whole body ${whole.slice(0, 40)}`, whole);
      }
      if (how === 'token') {
        const path = pick(paths, p);
        const token = pick(anyFamily ?? familyFor(at(valid, path), families), v);
        return body(`${path.join('.')} = ${token.slice(0, 40)}`, withRawValue(valid, path, token));
      }
      const target = pick(objects, p);
      if (how === 'prototype') {
        const member = pick(PROTOTYPE_MEMBERS, v);
        return body(`${member} in ${target.join('.') || 'root'}`, withRawMember(valid, target, member, first));
      }
      // A duplicate of an existing member: JSON.parse keeps the last one, so the hostile value goes first or last.
      const keys = Object.keys(at(valid, target));
      const key = keys.length > 0 ? pick(keys, p) : 'keyId';
      const token = pick(anyFamily ?? familyFor(at(valid, [...target, key]), families), v);
      const member = `${JSON.stringify(key)}:${token}`;
      return body(
        `duplicate ${[...target, key].join('.')} ${first ? 'before' : 'after'}: ${token.slice(0, 40)}`,
        withRawMember(valid, target, member, first),
      );
    });
}

/** The three kinds together, valid bodies weighted most so that handlers are reached. */
export function anyBody(schema: JsonSchema, pools: Pools, skip: ReadonlySet<string>): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 2, arbitrary: validValue(schema, pools).map((b) => makeBody('valid', 'valid', JSON.stringify(b))) },
    { weight: 2, arbitrary: almostValid(schema, pools) },
    { weight: 2, arbitrary: hostile(schema, pools, skip) },
  );
}
