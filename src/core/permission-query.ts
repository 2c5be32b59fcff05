import { KeywardError } from './errors.js';

/**
 * The verifyKey `permissions` query language (docs/unkey-compatibility.md, "Permission queries"):
 *
 *   expr    := and ( OR and )*
 *   and     := primary ( AND primary )*
 *   primary := PERMISSION | '(' expr ')'
 *
 * AND binds tighter than OR; both are left-associative. `AND`/`OR` are keywords in any case, but
 * only as a whole word (`android` and `orders.read` are permissions). A leaf matches a key only by
 * exact equality with one of its slugs: `*` is a literal character, never a wildcard.
 * Error messages and positions follow upstream's, since clients may show them to developers.
 */

export type PermissionQuery =
  | { readonly kind: 'permission'; readonly slug: string }
  | { readonly kind: 'and' | 'or'; readonly left: PermissionQuery; readonly right: PermissionQuery };

/** A 400 with the offset (in the query string) where parsing stopped. */
export class PermissionQuerySyntaxError extends KeywardError {
  constructor(
    readonly position: number,
    detail: string,
  ) {
    super('permissions_query_syntax_error', detail);
  }
}

type TokenKind = 'permission' | 'and' | 'or' | 'lparen' | 'rparen' | 'end';

interface Token {
  kind: TokenKind;
  /** As written (keywords keep their case, so messages quote what the caller sent). */
  text: string;
  position: number;
}

// [A-Za-z0-9._\-*:/] as a lookup table: the lexer runs on every verify that carries a query.
const PERMISSION_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-*:/') PERMISSION_CHAR[c.charCodeAt(0)] = 1;

const isPermissionChar = (code: number) => code < 128 && PERMISSION_CHAR[code] === 1;
// Space, tab, LF, CR only; any other character (including other Unicode spaces) is an error.
const isSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 13;

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const code = query.charCodeAt(i);
    if (isSpace(code)) {
      i++;
    } else if (code === 40 /* ( */ || code === 41 /* ) */) {
      tokens.push({ kind: code === 40 ? 'lparen' : 'rparen', text: query[i]!, position: i });
      i++;
    } else if (isPermissionChar(code)) {
      const start = i;
      while (i < query.length && isPermissionChar(query.charCodeAt(i))) i++;
      const text = query.slice(start, i);
      // The run is maximal, so a keyword here is always a whole word: `ANDROID` stays a permission.
      const word = text.length <= 3 ? text.toUpperCase() : '';
      tokens.push({ kind: word === 'AND' ? 'and' : word === 'OR' ? 'or' : 'permission', text, position: start });
    } else {
      const char = String.fromCodePoint(query.codePointAt(i)!);
      throw new PermissionQuerySyntaxError(
        i,
        `Invalid character '${char}' found in query at position ${i}. ` +
          'Only letters, numbers, dots, underscores, hyphens, slashes, colons, asterisks, and parentheses are allowed.',
      );
    }
  }
  tokens.push({ kind: 'end', text: '', position: query.length });
  return tokens;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  private get current(): Token {
    return this.tokens[this.index]!;
  }

  parse(): PermissionQuery {
    if (this.current.kind === 'end') {
      throw new PermissionQuerySyntaxError(this.current.position, 'Unexpected end of input. Please provide a valid permission query.');
    }
    const query = this.expression();
    const extra = this.current;
    if (extra.kind !== 'end') {
      throw new PermissionQuerySyntaxError(
        extra.position,
        `Unexpected token '${extra.text}' at position ${extra.position}. The query appears to have extra content after a valid expression.`,
      );
    }
    return query;
  }

  private expression(): PermissionQuery {
    let left = this.and();
    while (this.current.kind === 'or') {
      this.index++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): PermissionQuery {
    let left = this.primary();
    while (this.current.kind === 'and') {
      this.index++;
      left = { kind: 'and', left, right: this.primary() };
    }
    return left;
  }

  private primary(): PermissionQuery {
    const token = this.current;
    switch (token.kind) {
      case 'permission':
        this.index++;
        return { kind: 'permission', slug: token.text };
      case 'lparen': {
        this.index++;
        const inner = this.current;
        if (inner.kind === 'rparen') {
          throw new PermissionQuerySyntaxError(
            inner.position,
            `Empty parentheses found at position ${inner.position}. Parentheses must contain at least one permission or expression.`,
          );
        }
        const query = this.expression();
        const close = this.current;
        if (close.kind !== 'rparen') {
          throw new PermissionQuerySyntaxError(
            close.position,
            `Missing closing parenthesis ')' at position ${close.position}. Every opening parenthesis must have a matching closing parenthesis.`,
          );
        }
        this.index++;
        return query;
      }
      case 'end':
        throw new PermissionQuerySyntaxError(
          token.position,
          'Unexpected end of query. Expected a permission identifier or opening parenthesis.',
        );
      default:
        throw new PermissionQuerySyntaxError(
          token.position,
          `Unexpected token '${token.text}' at position ${token.position}. Expected a permission identifier or opening parenthesis.`,
        );
    }
  }
}

/** Parses a query; throws PermissionQuerySyntaxError (HTTP 400) with the position of the problem. */
export function parsePermissionQuery(query: string): PermissionQuery {
  return new Parser(tokenize(query)).parse();
}

/** True iff the key holding exactly `granted` satisfies the query. AND and OR short-circuit. */
export function evaluatePermissionQuery(query: PermissionQuery, granted: ReadonlySet<string>): boolean {
  switch (query.kind) {
    case 'permission':
      return granted.has(query.slug);
    case 'and':
      return evaluatePermissionQuery(query.left, granted) && evaluatePermissionQuery(query.right, granted);
    case 'or':
      return evaluatePermissionQuery(query.left, granted) || evaluatePermissionQuery(query.right, granted);
  }
}

/**
 * The query as text with only the parentheses its tree needs, so `parsePermissionQuery` gives the
 * same tree back: an OR under an AND, and a right operand of the same operator (the tree leans left).
 */
export function printPermissionQuery(query: PermissionQuery): string {
  if (query.kind === 'permission') return query.slug;
  const needsParens = (child: PermissionQuery, side: 'left' | 'right') =>
    child.kind !== 'permission' && ((query.kind === 'and' && child.kind === 'or') || (side === 'right' && child.kind === query.kind));
  const side = (child: PermissionQuery, which: 'left' | 'right') =>
    needsParens(child, which) ? `(${printPermissionQuery(child)})` : printPermissionQuery(child);
  return `${side(query.left, 'left')} ${query.kind === 'and' ? 'AND' : 'OR'} ${side(query.right, 'right')}`;
}
