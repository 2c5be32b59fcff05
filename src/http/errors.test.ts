import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { ERROR_HTTP, ERROR_TYPE_BASE, errorBody, INVALID_INPUT_ALIASES } from './errors.js';

/**
 * The closed error codes, their HTTP mapping and docs/errors.md must agree. The Record type of
 * ERROR_HTTP already refuses to compile without a status for every code; these tests keep the
 * documentation in step.
 */

interface DocEntry {
  code: string;
  fields: Record<string, string>;
}

/** Every `### \`code\`` section of docs/errors.md with its `| Field | Value |` rows. */
function parseErrorDoc(markdown: string): { entries: DocEntry[]; badHeadings: string[] } {
  const entries: DocEntry[] = [];
  const badHeadings: string[] = [];
  for (const line of markdown.split('\n')) {
    const heading = /^###\s+(.*?)\s*$/.exec(line);
    if (heading) {
      const code = /^`([a-z0-9_]+)`$/.exec(heading[1]!)?.[1];
      if (code) entries.push({ code, fields: {} });
      else badHeadings.push(heading[1]!);
      continue;
    }
    if (/^#{1,2}\s/.test(line)) continue;
    const row = /^\|\s*([^|]+?)\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    const current = entries.at(-1);
    if (row && current && !/^-+$/.test(row[1]!)) current.fields[row[1]!] = row[2]!;
  }
  return { entries, badHeadings };
}

const doc = parseErrorDoc(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8'));
const documented = doc.entries.map((e) => e.code);
const unquote = (value: string | undefined) => value?.replace(/^`(.*)`$/, '$1');

describe('error codes', () => {
  it('every code has an HTTP mapping, and the mapping has no code that does not exist', () => {
    expect(Object.keys(ERROR_HTTP).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const { status, title, type } = ERROR_HTTP[code];
      expect(Number.isInteger(status) && status >= 400 && status <= 599, code).toBe(true);
      expect(title, code).not.toBe('');
      expect(type, code).toMatch(/^[a-z_]+\/[a-z_]+\/[a-z_]+$/);
    }
  });

  it('each code has its own type URL, so clients can tell every failure apart, but for the aliases of invalid_input', () => {
    const types = ERROR_CODES.filter((code) => !INVALID_INPUT_ALIASES.includes(code)).map((code) => ERROR_HTTP[code].type);
    expect(new Set(types).size).toBe(types.length);
    // Upstream: its OpenAPI validator answers an unparseable body and a missing Authorization header, both as invalid_input.
    for (const code of INVALID_INPUT_ALIASES) expect(ERROR_HTTP[code].type, code).toBe(ERROR_HTTP.invalid_input.type);
  });

  it('every code is documented in docs/errors.md', () => {
    expect(ERROR_CODES.filter((code) => !documented.includes(code))).toEqual([]);
  });

  it('docs/errors.md documents no code that does not exist, none twice, and has no stray sections', () => {
    expect(documented.filter((code) => !(ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
    expect(documented.filter((code, i) => documented.indexOf(code) !== i)).toEqual([]);
    expect(doc.badHeadings).toEqual([]);
  });

  it('docs/errors.md states the same status, title and type as the mapping, and says when and what to do', () => {
    for (const { code, fields } of doc.entries) {
      const http = ERROR_HTTP[code as ErrorCode];
      if (!http) continue; // reported by the test above
      expect({ code, status: fields['HTTP status'], title: fields.Title, type: unquote(fields.Type) }).toEqual({
        code,
        status: String(http.status),
        title: http.title,
        type: http.type,
      });
      expect(fields.When?.length ?? 0, `${code}: When`).toBeGreaterThan(20);
      expect(fields['What to do']?.length ?? 0, `${code}: What to do`).toBeGreaterThan(10);
    }
  });
});

describe('errorBody', () => {
  it.each(ERROR_CODES)('%s: status, title, full type URL; errors[] on 400, 408, 413 and 431', (code) => {
    const body = errorBody('req_test', code, 'what happened');
    const http = ERROR_HTTP[code];
    expect(body.meta).toEqual({ requestId: 'req_test' });
    expect(body.error).toMatchObject({
      status: http.status,
      title: http.title,
      detail: 'what happened',
      type: ERROR_TYPE_BASE + http.type,
    });
    // Clients require `errors` on every 400; upstream also sends it on 408 and 413, and Keyward on its 431.
    if ([400, 408, 413, 431].includes(http.status)) expect(body.error.errors).toEqual([]);
    else expect(body.error).not.toHaveProperty('errors');
  });

  it('lists field problems, omitting an absent fix rather than sending null', () => {
    const body = errorBody('req_test', 'invalid_input', 'bad', [
      { location: 'body.name', message: 'too short' },
      { location: 'body', message: 'unknown field', fix: 'remove it' },
    ]);
    expect(body.error.errors).toEqual([
      { location: 'body.name', message: 'too short' },
      { location: 'body', message: 'unknown field', fix: 'remove it' },
    ]);
    expect(body.error.errors![0]).not.toHaveProperty('fix');
  });
});
