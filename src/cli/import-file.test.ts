import { describe, expect, it } from 'vitest';
import { hashKey } from '../core/key-format.js';
import { ImportFileError, importFormat, parseCsv, parseImport } from './import-file.js';

const HEX = 'ab'.repeat(32);
const HEX2 = 'cd'.repeat(32);

describe('parseCsv', () => {
  it('reads quoted fields with separators, doubled quotes and newlines, CRLF, and the line each row starts on', () => {
    const text = 'hash,meta,name\r\nh1,"{""a"":1}",plain\r\n\r\nh2,"multi\nline","x,y"\nh3,,';
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['hash', 'meta', 'name'] },
      { line: 2, cells: ['h1', '{"a":1}', 'plain'] },
      { line: 4, cells: ['h2', 'multi\nline', 'x,y'] },
      { line: 6, cells: ['h3', '', ''] },
    ]);
  });

  it('refuses a quoted field that is never closed', () => {
    expect(() => parseCsv('hash\n"open')).toThrow(ImportFileError);
  });
});

describe('importFormat', () => {
  it('by extension, else by the first character', () => {
    expect(importFormat('keys.json', 'hash')).toBe('json');
    expect(importFormat('keys.CSV', '[')).toBe('csv');
    expect(importFormat('export', '\uFEFF  [{"hash": "x"}]')).toBe('json');
    expect(importFormat('export', 'hash,name')).toBe('csv');
  });
});

describe('parseImport', () => {
  it('CSV: typed columns, flat credits, lists; header names match loosely; unknown columns are ignored with a warning', () => {
    const csv = [
      'Hash,Name,external_id,META,Expires,Enabled,Remaining,refill-interval,refillAmount,refillDay,permissions,roles,ratelimits,created_at',
      `${HEX},Acme,org_1,"{""plan"":""pro""}",2100-01-01T00:00:00Z,no,10,monthly,10,1,"a.read; b.write c.x","admin;read only","[{""name"":""req"",""limit"":5,""duration"":1000}]",2020-01-01`,
      `${HEX2},,,,4000000000000,,,,,,,,,`,
    ].join('\n');
    const parsed = parseImport(csv, 'csv', 'sha256_hex');
    expect(parsed.rejected).toEqual([]);
    expect(parsed.total).toBe(2);
    expect(parsed.warnings).toEqual(['ignoring field(s) keys.migrateKeys does not take: created_at']);
    expect(parsed.records).toEqual([
      {
        label: 'line 2',
        key: {
          hash: HEX,
          name: 'Acme',
          externalId: 'org_1',
          meta: { plan: 'pro' },
          expires: Date.UTC(2100, 0, 1),
          enabled: false,
          credits: { remaining: 10, refill: { interval: 'monthly', amount: 10, refillDay: 1 } },
          permissions: ['a.read', 'b.write', 'c.x'],
          roles: ['admin', 'read only'],
          ratelimits: [{ name: 'req', limit: 5, duration: 1000, autoApply: false }],
        },
      },
      { label: 'line 3', key: { hash: HEX2, expires: 4_000_000_000_000, enabled: true } },
    ]);
  });

  it('semicolon-separated CSV', () => {
    expect(parseImport(`hash;name\n${HEX};"a;b"`, 'csv', 'sha256_hex').records).toEqual([
      { label: 'line 2', key: { hash: HEX, name: 'a;b', enabled: true } },
    ]);
  });

  it('rejects records with their reasons, keeping the others', () => {
    const csv = [
      'hash,expires,enabled,remaining,meta,refillInterval,refillAmount',
      `${hashKey('x')},,,,,,`, // base64 where hex is expected
      `${HEX},1700000000,,,,,`, // seconds
      `${HEX},,maybe,,,,`,
      `${HEX},,,-1,,,`,
      `${HEX},,,,{oops,,`,
      `${HEX},,,,"[1]",,`,
      `${HEX},,,5,,monthly,5`, // monthly without refillDay
      `${HEX},,,,,daily,5`, // refill on unlimited credits
      `${HEX},x,y,z,1,2,3,4`,
      `${HEX2},,,,,,`,
    ].join('\n');
    const parsed = parseImport(csv, 'csv', 'sha256_hex');
    expect(parsed.records.map((r) => r.label)).toEqual(['line 11']);
    expect(parsed.rejected).toEqual([
      { label: 'line 2', reason: expect.stringMatching(/^hash: the hash must be the hex .* looks like base64/) },
      { label: 'line 3', reason: 'expires 1700000000 looks like seconds: give Unix milliseconds or an ISO 8601 date' },
      { label: 'line 4', reason: 'enabled: "maybe" is not true or false' },
      { label: 'line 5', reason: 'remaining: "-1" is not a whole number' },
      { label: 'line 6', reason: 'meta: is not valid JSON' },
      { label: 'line 7', reason: expect.stringContaining('meta: must be object') },
      { label: 'line 8', reason: '`refillDay` must be provided when the refill interval is `monthly`.' },
      { label: 'line 9', reason: expect.stringContaining('`credits.refill` needs a number in `credits.remaining`') },
      { label: 'line 10', reason: 'has 8 fields, the header 7' },
    ]);
  });

  it('JSON: an array or {keys: [...]}, in the API shape or with flat credit fields; bad records named', () => {
    const keys = [
      { hash: HEX, name: 'a', credits: { remaining: 3 }, legacyPlan: 'gold' },
      { hash: HEX2, remaining: 4, refillInterval: 'daily', refillAmount: 4 },
      'not an object',
      { hash: HEX, expires: 'tomorrow' },
      { hash: HEX, credits: { remaining: 1 }, remaining: 2 },
      { name: 'no hash' },
    ];
    for (const text of [JSON.stringify(keys), JSON.stringify({ keys })]) {
      const parsed = parseImport(text, 'json', 'prefixed_api_key');
      expect(parsed.records).toEqual([
        { label: 'record 1', key: { hash: HEX, name: 'a', credits: { remaining: 3 }, enabled: true } },
        { label: 'record 2', key: { hash: HEX2, credits: { remaining: 4, refill: { interval: 'daily', amount: 4 } }, enabled: true } },
      ]);
      expect(parsed.rejected).toEqual([
        { label: 'record 3', reason: 'not a JSON object' },
        { label: 'record 4', reason: expect.stringContaining('expires: must be integer') },
        { label: 'record 5', reason: 'give either credits or remaining, not both' },
        { label: 'record 6', reason: expect.stringContaining('must have required properties hash') },
      ]);
      expect(parsed.warnings).toEqual(['ignoring field(s) keys.migrateKeys does not take: legacyPlan']);
    }
  });

  it('rejects records with a NUL character, a lone surrogate, Infinity or nesting past 32 levels (as the API does)', () => {
    const deep = `${'{"a":'.repeat(40)}{}${'}'.repeat(40)}`;
    const text = `[{"hash":"${HEX}","name":"a\\u0000"},{"hash":"${HEX}","meta":{"k\\ud800":1}},{"hash":"${HEX}","meta":{"n":1e309}},{"hash":"${HEX}","meta":${deep}},{"hash":"${HEX2}","name":"fine 🔑"}]`;
    const parsed = parseImport(text, 'json', 'sha256_hex');
    expect(parsed.records.map((r) => r.label)).toEqual(['record 5']);
    expect(parsed.rejected).toEqual([
      { label: 'record 1', reason: 'name: must not contain the NUL character (\\u0000)' },
      { label: 'record 2', reason: 'meta: property names must be well-formed Unicode (a lone surrogate is not)' },
      { label: 'record 3', reason: 'meta.n: must be a finite number (1e309 is read as Infinity)' },
      { label: 'record 4', reason: expect.stringContaining('must not nest objects and arrays more than 32 levels deep') },
    ]);
  });

  it('refuses files that are not an import at all', () => {
    expect(() => parseImport('{"hash": 1}', 'json', 'sha256_hex')).toThrow('expected a JSON array of keys');
    expect(() => parseImport('[{', 'json', 'sha256_hex')).toThrow('not valid JSON');
    expect(() => parseImport('', 'csv', 'sha256_hex')).toThrow('empty');
    expect(() => parseImport('name,meta\nx,y', 'csv', 'sha256_hex')).toThrow('no `hash` column');
    expect(parseImport('hash\n', 'csv', 'sha256_hex')).toEqual({ records: [], rejected: [], warnings: [], total: 0 });
  });
});
