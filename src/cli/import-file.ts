import { extname } from 'node:path';
import { Value } from 'typebox/value';
import { MigrateKeyIn } from '../contract/key-migrations.js';
import { KeywardError } from '../core/errors.js';
import { jsonProblem } from '../core/json-bounds.js';
import { importedHash, type MigrationAlgorithm } from '../core/key-migration.js';
import type { MigrateKeyInput } from '../services/key-migrations.js';
import { ratelimitsFrom, refillFrom } from '../services/keys/input.js';

/**
 * The files `keyward import` reads: a JSON array of keys (or an object with a `keys` array) in keys.migrateKeys'
 * shape, or a CSV export with a header row. Every record is checked here with the same rules the service applies,
 * so a bad record is reported with its reason instead of failing the batch it would travel in.
 *
 * CSV columns (names match ignoring case, `_`, `-` and spaces; unknown columns are ignored with a warning; an
 * empty cell means "not given"): hash (required), name, externalId, meta (a JSON object), expires (Unix ms or an
 * ISO 8601 date), enabled (true/false, yes/no, 1/0), remaining (credits; empty: unlimited), refillInterval
 * (daily|monthly), refillAmount, refillDay, permissions (a JSON array, or slugs separated by `;`, `,` or spaces),
 * roles (a JSON array, or names separated by `;`), ratelimits (a JSON array of {name, limit, duration, autoApply}),
 * credits (a JSON object, instead of remaining/refill*). JSON records may use the same flat credit fields.
 */

export interface ImportRecord {
  /** Where the record is in the file: `line 4` (CSV) or `record 3` (JSON). */
  label: string;
  key: MigrateKeyInput;
}

export interface RejectedRecord {
  label: string;
  reason: string;
}

export interface ParsedImport {
  records: ImportRecord[];
  rejected: RejectedRecord[];
  warnings: string[];
  /** Records in the file, accepted or not. */
  total: number;
}

/** The file as a whole cannot be read as an import (not JSON, no header, no hash column, ...). */
export class ImportFileError extends Error {}

export type ImportFormat = 'json' | 'csv';

/** By extension, else by the first character: `[` or `{` is JSON. */
export function importFormat(path: string, text: string): ImportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  return /^\s*[[{]/.test(stripBom(text)) ? 'json' : 'csv';
}

export function parseImport(text: string, format: ImportFormat, algorithm: MigrationAlgorithm, now = Date.now()): ParsedImport {
  const raws = format === 'json' ? jsonRecords(stripBom(text)) : csvRecords(stripBom(text));
  const ignored = new Set<string>(raws.ignored);
  const parsed: ParsedImport = { records: [], rejected: [], warnings: [], total: raws.records.length };
  for (const raw of raws.records) {
    const result = 'problem' in raw ? raw : toKey(raw.fields, algorithm, now, ignored);
    if ('problem' in result) parsed.rejected.push({ label: raw.label, reason: result.problem });
    else parsed.records.push({ label: raw.label, key: result.key });
  }
  if (ignored.size > 0) parsed.warnings.push(`ignoring field(s) keys.migrateKeys does not take: ${[...ignored].sort().join(', ')}`);
  return parsed;
}

const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

type RawRecord = { label: string; fields: Record<string, unknown> } | { label: string; problem: string };

function jsonRecords(text: string): { records: RawRecord[]; ignored: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ImportFileError(`not valid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.keys) ? value.keys : undefined;
  if (list === undefined) throw new ImportFileError('expected a JSON array of keys, or an object with a `keys` array');
  const records = list.map((item: unknown, i): RawRecord => {
    const label = `record ${i + 1}`;
    return isObject(item) ? { label, fields: { ...item } } : { label, problem: 'not a JSON object' };
  });
  return { records, ignored: [] };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// ---- CSV ----

/** Column names as written in exports, matched ignoring case, `_`, `-` and spaces. */
const COLUMNS: Record<string, string> = Object.fromEntries(
  [
    'hash',
    'name',
    'externalId',
    'meta',
    'expires',
    'enabled',
    'remaining',
    'refillInterval',
    'refillAmount',
    'refillDay',
    'permissions',
    'roles',
    'ratelimits',
    'credits',
  ].map((name) => [columnKey(name), name]),
);

function columnKey(name: string): string {
  return name.toLowerCase().replace(/[\s_-]/g, '');
}

/** RFC 4180 rows with the line each starts on: quoted fields may hold separators, newlines and doubled quotes. */
export function parseCsv(text: string, separator = ','): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]!.trim() === '')) rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === separator) {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      cell += c;
    }
  }
  if (quoted) throw new ImportFileError(`line ${rowLine}: a quoted field is never closed`);
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}

/** The separator the header uses: `,`, else `;` or a tab when the header has more of those. */
function sniffSeparator(text: string): string {
  const header = text.split(/\r?\n/, 1)[0] ?? '';
  const count = (c: string) => header.split(c).length - 1;
  return [',', ';', '\t'].reduce((best, c) => (count(c) > count(best) ? c : best), ',');
}

function csvRecords(text: string): { records: RawRecord[]; ignored: string[] } {
  const rows = parseCsv(text, sniffSeparator(text));
  const header = rows.shift();
  if (!header) throw new ImportFileError('the CSV file is empty: it needs a header row naming its columns, one of them `hash`');
  const names = header.cells.map((cell) => COLUMNS[columnKey(cell.trim())]);
  if (!names.includes('hash')) throw new ImportFileError(`the CSV header (line ${header.line}) has no \`hash\` column`);
  const ignored = header.cells
    .filter((_, i) => names[i] === undefined)
    .map((cell) => cell.trim())
    .filter((cell) => cell !== '');
  const records = rows.map((row): RawRecord => {
    const label = `line ${row.line}`;
    if (row.cells.length > header.cells.length) {
      return { label, problem: `has ${row.cells.length} fields, the header ${header.cells.length}` };
    }
    const fields: Record<string, unknown> = {};
    for (const [i, raw] of row.cells.entries()) {
      const name = names[i];
      const text = raw.trim();
      if (name === undefined || text === '') continue;
      const value = csvValue(name, text);
      if (value instanceof CellProblem) return { label, problem: `${name}: ${value.reason}` };
      fields[name] = value;
    }
    return { label, fields };
  });
  return { records, ignored };
}

/** Why a CSV cell cannot stand for its column's value. */
class CellProblem {
  constructor(readonly reason: string) {}
}

const cellProblem = (reason: string) => new CellProblem(reason);

/** One CSV cell as the JSON value it stands for. */
function csvValue(name: string, text: string): unknown {
  switch (name) {
    case 'meta':
    case 'ratelimits':
    case 'credits':
      return jsonCell(text);
    case 'expires':
      if (/^\d+$/.test(text)) return Number(text);
      return Number.isNaN(Date.parse(text)) ? cellProblem(`"${text}" is neither Unix milliseconds nor an ISO 8601 date`) : Date.parse(text);
    case 'enabled': {
      const flag = text.toLowerCase();
      if (['true', 'yes', 'y', '1'].includes(flag)) return true;
      if (['false', 'no', 'n', '0'].includes(flag)) return false;
      return cellProblem(`"${text}" is not true or false`);
    }
    case 'remaining':
    case 'refillAmount':
    case 'refillDay':
      return /^\d+$/.test(text) ? Number(text) : cellProblem(`"${text}" is not a whole number`);
    case 'permissions':
      return text.startsWith('[') ? jsonCell(text) : text.split(/[;,\s]+/).filter((s) => s !== '');
    case 'roles':
      return text.startsWith('[')
        ? jsonCell(text)
        : text
            .split(';')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    default:
      return text;
  }
}

function jsonCell(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return cellProblem('is not valid JSON');
  }
}

// ---- one record ----

const problem = (text: string) => ({ problem: text });

/** Before 1973 in milliseconds: almost certainly seconds, which would import every key already expired. */
const EXPIRES_LOOKS_LIKE_SECONDS = 100_000_000_000;

const FIELDS = new Set(Object.keys(MigrateKeyIn.properties));
const FLAT_CREDITS = ['remaining', 'refillInterval', 'refillAmount', 'refillDay'];

/** A record as keys.migrateKeys takes it, or why it cannot be imported. */
function toKey(
  input: Record<string, unknown>,
  algorithm: MigrationAlgorithm,
  now: number,
  ignored: Set<string>,
): { key: MigrateKeyInput } | { problem: string } {
  // The rules every request body keeps (depth, NUL, lone surrogates, finite numbers), which the schema cannot see.
  const bad = jsonProblem(input, '');
  if (bad) return problem(`${bad.location || 'the record'}: ${bad.message}`);
  const fields = { ...input };
  const flat = FLAT_CREDITS.filter((name) => fields[name] !== undefined && fields[name] !== null);
  if (flat.length > 0) {
    if (fields.credits !== undefined) return problem(`give either credits or ${flat.join(', ')}, not both`);
    const { remaining, refillInterval, refillAmount, refillDay } = fields;
    const refill =
      refillInterval !== undefined || refillAmount !== undefined
        ? { interval: refillInterval, amount: refillAmount, ...(refillDay !== undefined ? { refillDay } : {}) }
        : undefined;
    fields.credits = { remaining: remaining ?? null, ...(refill ? { refill } : {}) };
  }
  for (const name of Object.keys(fields)) {
    if (FIELDS.has(name)) continue;
    if (!FLAT_CREDITS.includes(name)) ignored.add(name);
    delete fields[name];
  }
  if (typeof fields.expires === 'number' && fields.expires > 0 && fields.expires < EXPIRES_LOOKS_LIKE_SECONDS) {
    return problem(`expires ${fields.expires} looks like seconds: give Unix milliseconds or an ISO 8601 date`);
  }
  const key = Value.Default(MigrateKeyIn, fields);
  if (!Value.Check(MigrateKeyIn, key)) return problem(schemaProblems(key));
  const hash = importedHash(algorithm, key.hash);
  if ('problem' in hash) return problem(`hash: the hash ${hash.problem}`);
  try {
    if (key.credits) refillFrom(key.credits, 'create');
    ratelimitsFrom(key.ratelimits ?? [], now);
  } catch (error) {
    if (error instanceof KeywardError) return problem(error.detail);
    throw error;
  }
  return { key };
}

/** What the schema refuses, in a line: "expires: must be integer; meta: must be object". */
function schemaProblems(value: unknown): string {
  const seen = new Set<string>();
  for (const error of Value.Errors(MigrateKeyIn, value)) {
    // additionalProperties reports twice (once per field as a `false` schema); unknown fields were removed anyway.
    if (error.keyword === 'boolean') continue;
    const where = error.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'record';
    seen.add(`${where}: ${error.message}`);
    if (seen.size === 3) break;
  }
  return [...seen].join('; ') || 'does not have the shape of a key';
}
