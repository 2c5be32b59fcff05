import type { CompiledAnalyticsQuery } from '../store.js';

export type AnalyticsEngine = 'sqlite' | 'postgres';

/** NUL never appears in text this module writes (identifiers are checked, values are bound): a marker cannot be forged. */
const NUL = String.fromCharCode(0);
const MARKER = new RegExp(`${NUL}(\\d+)${NUL}`, 'g');

/**
 * Collects the values of a translated query apart from its text. Every value the user wrote (strings, numbers) and
 * every value Keyward injects (workspace, API ids, times) goes through `bind`, which puts a marker in the text; the
 * text itself only ever holds keywords, operators, Keyward's own constants and identifiers checked against
 * [A-Za-z_][A-Za-z0-9_]*. `finish` replaces the markers in text order with the engine's placeholders, so a fragment
 * may be repeated or reordered while it is being written.
 */
export class SqlWriter {
  private readonly values: unknown[] = [];

  constructor(readonly engine: AnalyticsEngine) {}

  bind(value: string | number): string {
    this.values.push(value);
    return `${NUL}${this.values.length - 1}${NUL}`;
  }

  finish(text: string): CompiledAnalyticsQuery {
    const parameters: unknown[] = [];
    const sql = text.replace(MARKER, (_, index: string) => {
      const value = this.values[Number(index)];
      parameters.push(value);
      if (this.engine === 'sqlite') return '?';
      // PostgreSQL must know each parameter's type where the context does not say (`$1 % 60000`); time values
      // exceed int4, so every integer is a bigint.
      const placeholder = `$${parameters.length}`;
      if (typeof value === 'string') return `CAST(${placeholder} AS text)`;
      return Number.isInteger(value) ? `CAST(${placeholder} AS bigint)` : `CAST(${placeholder} AS double precision)`;
    });
    return { sql, parameters };
  }
}

/** Identifiers the user defines (aliases, CTE names) and the schema's column names: a word, quoted on output. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isIdentifier(name: unknown): name is string {
  return typeof name === 'string' && IDENTIFIER.test(name) && !name.toLowerCase().startsWith('_kw');
}

/** Quoted so no identifier can be read as a keyword or a function (PostgreSQL's `current_user`). */
export const quoteIdentifier = (name: string): string => `"${name}"`;
