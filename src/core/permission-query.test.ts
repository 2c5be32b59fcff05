import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluatePermissionQuery,
  parsePermissionQuery,
  PermissionQuerySyntaxError,
  printPermissionQuery,
  type PermissionQuery,
} from './permission-query.js';

const leaf = (slug: string): PermissionQuery => ({ kind: 'permission', slug });
const and = (left: PermissionQuery, right: PermissionQuery): PermissionQuery => ({ kind: 'and', left, right });
const or = (left: PermissionQuery, right: PermissionQuery): PermissionQuery => ({ kind: 'or', left, right });

function syntaxError(query: string): PermissionQuerySyntaxError {
  try {
    parsePermissionQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(PermissionQuerySyntaxError);
    return error as PermissionQuerySyntaxError;
  }
  throw new Error(`expected '${query}' to be refused`);
}

describe('parsePermissionQuery: syntax errors carry the upstream message and the position', () => {
  it.each([
    ['empty (whitespace only)', ' \t\n ', 4, 'Unexpected end of input. Please provide a valid permission query.'],
    ['trailing operator', 'a.read AND', 10, 'Unexpected end of query. Expected a permission identifier or opening parenthesis.'],
    [
      'trailing operator inside parentheses',
      '(a OR',
      5,
      'Unexpected end of query. Expected a permission identifier or opening parenthesis.',
    ],
    [
      'leading operator',
      'AND permission_1',
      0,
      "Unexpected token 'AND' at position 0. Expected a permission identifier or opening parenthesis.",
    ],
    [
      'two operators, quoted as written',
      'a and OR b',
      6,
      "Unexpected token 'OR' at position 6. Expected a permission identifier or opening parenthesis.",
    ],
    ['lone closing parenthesis', ')', 0, "Unexpected token ')' at position 0. Expected a permission identifier or opening parenthesis."],
    [
      'empty parentheses',
      'permission_1 AND ()',
      18,
      'Empty parentheses found at position 18. Parentheses must contain at least one permission or expression.',
    ],
    [
      'empty parentheses with space',
      '( )',
      2,
      'Empty parentheses found at position 2. Parentheses must contain at least one permission or expression.',
    ],
    [
      'unclosed parenthesis at the end',
      '(permission_1 AND permission_2',
      30,
      "Missing closing parenthesis ')' at position 30. Every opening parenthesis must have a matching closing parenthesis.",
    ],
    [
      'unclosed parenthesis before a token',
      '((a OR b) c',
      10,
      "Missing closing parenthesis ')' at position 10. Every opening parenthesis must have a matching closing parenthesis.",
    ],
    ['extra permission', 'a b', 2, "Unexpected token 'b' at position 2. The query appears to have extra content after a valid expression."],
    [
      'extra closing parenthesis',
      '(a) )',
      4,
      "Unexpected token ')' at position 4. The query appears to have extra content after a valid expression.",
    ],
    [
      'invalid character',
      'a AND b$',
      7,
      "Invalid character '$' found in query at position 7. Only letters, numbers, dots, underscores, hyphens, slashes, colons, asterisks, and parentheses are allowed.",
    ],
    [
      'invalid character beats a later parse error',
      'AND a,b',
      5,
      "Invalid character ',' found in query at position 5. Only letters, numbers, dots, underscores, hyphens, slashes, colons, asterisks, and parentheses are allowed.",
    ],
    [
      'non-ASCII character, whole code point',
      'a OR 😀',
      5,
      "Invalid character '😀' found in query at position 5. Only letters, numbers, dots, underscores, hyphens, slashes, colons, asterisks, and parentheses are allowed.",
    ],
    [
      'non-breaking space is not whitespace',
      'a\u00a0OR b',
      1,
      "Invalid character '\u00a0' found in query at position 1. Only letters, numbers, dots, underscores, hyphens, slashes, colons, asterisks, and parentheses are allowed.",
    ],
  ])('%s: %j', (_name, query, position, message) => {
    const error = syntaxError(query);
    expect(error.code).toBe('permissions_query_syntax_error');
    expect(error.position).toBe(position);
    expect(error.detail).toBe(message);
  });
});

describe('parsePermissionQuery: structure', () => {
  it('a single permission, with every allowed character, and `*` kept literally', () => {
    expect(parsePermissionQuery('  api.*.read_key  ')).toEqual(leaf('api.*.read_key'));
    expect(parsePermissionQuery('A-z_0.9:/*')).toEqual(leaf('A-z_0.9:/*'));
  });

  it('AND binds tighter than OR, on either side', () => {
    expect(parsePermissionQuery('a OR b AND c')).toEqual(or(leaf('a'), and(leaf('b'), leaf('c'))));
    expect(parsePermissionQuery('a AND b OR c')).toEqual(or(and(leaf('a'), leaf('b')), leaf('c')));
    expect(parsePermissionQuery('a AND b OR c AND d')).toEqual(or(and(leaf('a'), leaf('b')), and(leaf('c'), leaf('d'))));
  });

  it('operators are left-associative', () => {
    expect(parsePermissionQuery('a AND b AND c')).toEqual(and(and(leaf('a'), leaf('b')), leaf('c')));
    expect(parsePermissionQuery('a OR b OR c')).toEqual(or(or(leaf('a'), leaf('b')), leaf('c')));
  });

  it('parentheses override precedence and nest deeply, with or without surrounding spaces', () => {
    expect(parsePermissionQuery('(a OR b) AND c')).toEqual(and(or(leaf('a'), leaf('b')), leaf('c')));
    expect(parsePermissionQuery('a AND(b OR(c AND d))')).toEqual(and(leaf('a'), or(leaf('b'), and(leaf('c'), leaf('d')))));
    const deep = `${'('.repeat(300)}x${')'.repeat(300)}`;
    expect(parsePermissionQuery(deep)).toEqual(leaf('x'));
  });

  it('keywords are case-insensitive but only whole words', () => {
    expect(parsePermissionQuery('a and b Or c')).toEqual(or(and(leaf('a'), leaf('b')), leaf('c')));
    expect(parsePermissionQuery('a aNd b')).toEqual(and(leaf('a'), leaf('b')));
    expect(parsePermissionQuery('android OR oracle')).toEqual(or(leaf('android'), leaf('oracle')));
    expect(parsePermissionQuery('and.read AND or:write')).toEqual(and(leaf('and.read'), leaf('or:write')));
    expect(parsePermissionQuery('a\tAND\r\nb')).toEqual(and(leaf('a'), leaf('b')));
  });
});

describe('evaluatePermissionQuery', () => {
  const granted = new Set(['documents.read', 'documents.*', 'billing.read']);
  it.each([
    ['documents.read', true],
    ['documents.write', false],
    ['documents.*', true],
    ['billing.*', false],
    ['documents.read AND billing.read', true],
    ['documents.read AND documents.write', false],
    ['documents.write OR billing.read', true],
    ['documents.write OR billing.write', false],
    ['documents.write AND billing.write OR documents.read', true],
    ['documents.write AND (billing.write OR documents.read)', false],
  ])('%s -> %s (leaves match exactly; `*` is literal)', (query, expected) => {
    expect(evaluatePermissionQuery(parsePermissionQuery(query), granted)).toBe(expected);
  });
});

describe('properties', () => {
  const SLUGS = ['a', 'b', 'c', 'docs.read', 'api.*', 'android', 'orders:write', 'x/y-z'] as const;
  const space = fc.constantFrom(' ', '  ', '\t', '\n', ' \r\n ');
  const AND = fc.constantFrom('AND', 'and', 'And', 'aNd');
  const OR = fc.constantFrom('OR', 'or', 'Or', 'oR');

  /** Well-formed query text: random case, spacing and redundant parentheses. */
  const queryText = fc.letrec<{ expr: string; leaf: string; binary: string; group: string }>((tie) => ({
    expr: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('binary'), tie('group')),
    leaf: fc.constantFrom(...SLUGS),
    binary: fc
      .tuple(tie('expr'), fc.oneof(AND, OR), tie('expr'), space, space)
      .map(([left, op, right, s1, s2]) => `${left}${s1}${op}${s2}${right}`),
    group: fc.tuple(tie('expr'), fc.constantFrom('', ' ')).map(([inner, s]) => `(${s}${inner}${s})`),
  })).expr;

  const tree = fc.letrec<{ node: PermissionQuery; leaf: PermissionQuery; branch: PermissionQuery }>((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('branch')),
    leaf: fc.constantFrom(...SLUGS).map(leaf),
    branch: fc
      .tuple(fc.constantFrom('and' as const, 'or' as const), tie('node'), tie('node'))
      .map(([kind, left, right]) => ({ kind, left, right })),
  })).node;

  const grantedSet = fc.subarray([...SLUGS]).map((slugs) => new Set<string>(slugs));

  /**
   * The oracle shares no code with the parser: it rewrites the text token by token into a JavaScript
   * boolean expression (whose `&&` also binds tighter than `||`) and lets the JS engine evaluate it.
   */
  function bruteForce(query: string, granted: ReadonlySet<string>): boolean {
    const js = (query.match(/[A-Za-z0-9._\-*:/]+|[()]/g) ?? [])
      .map((token) => {
        if (token === '(' || token === ')') return token;
        if (token.toUpperCase() === 'AND') return '&&';
        if (token.toUpperCase() === 'OR') return '||';
        return `S.has(${JSON.stringify(token)})`;
      })
      .join(' ');
    return new Function('S', `return ${js};`)(granted) as boolean;
  }

  it('the evaluator agrees with a brute-force evaluation of the same text', () => {
    fc.assert(
      fc.property(queryText, grantedSet, (query, granted) => {
        expect(evaluatePermissionQuery(parsePermissionQuery(query), granted)).toBe(bruteForce(query, granted));
      }),
      { numRuns: 500 },
    );
  });

  it('printing then parsing gives the same tree (for parsed text and for arbitrary trees)', () => {
    fc.assert(
      fc.property(queryText, (query) => {
        const parsed = parsePermissionQuery(query);
        expect(parsePermissionQuery(printPermissionQuery(parsed))).toEqual(parsed);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(tree, grantedSet, (query, granted) => {
        const printed = printPermissionQuery(query);
        expect(parsePermissionQuery(printed)).toEqual(query);
        expect(evaluatePermissionQuery(query, granted)).toBe(bruteForce(printed, granted));
      }),
      { numRuns: 300 },
    );
  });

  it('any string either parses or fails with a syntax error inside the query (never another exception)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', ' ', '(', ')', 'A', 'N', 'D', 'O', 'R', '.', '$'), maxLength: 40 }),
        (query) => {
          try {
            parsePermissionQuery(query);
          } catch (error) {
            expect(error).toBeInstanceOf(PermissionQuerySyntaxError);
            const position = (error as PermissionQuerySyntaxError).position;
            expect(position).toBeGreaterThanOrEqual(0);
            expect(position).toBeLessThanOrEqual(query.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
