import { type AuditFilter, type AuditRecord, listAuditRecords } from '../../api/audit';

/**
 * Exports of the audit log as the page filters it: every record, read from the API 100 at a time in the browser, then
 * written as JSON lines or CSV and handed to the browser as a download. Nothing is sent anywhere else.
 */

/** Every record that matches `filter`, newest first; `onProgress` hears the count read so far. */
export async function readAll(filter: AuditFilter, onProgress: (count: number) => void): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await listAuditRecords(filter, cursor, 100);
    records.push(...page.items);
    onProgress(records.length);
    cursor = page.cursor;
  } while (cursor);
  return records;
}

/** One JSON object per line, each record exactly as the API answered it. */
export function toJsonLines(records: readonly AuditRecord[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

export const CSV_COLUMNS = [
  'id',
  'time',
  'event',
  'actor_type',
  'actor_id',
  'actor_name',
  'description',
  'resources',
  'source_ip',
  'user_agent',
  'request_id',
] as const;

/**
 * A spreadsheet treats a cell that starts with = + - or @ (or a tab or carriage return before one) as a formula, so a
 * user agent or a role name chosen by whoever made the change could run in the reader's spreadsheet. Such a cell is
 * written with a leading apostrophe, which spreadsheets read as "text", and the value stays readable.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled; formulas neutralised. */
export function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The record as CSV_COLUMNS' values: the time in ISO 8601 (UTC), the resources as their JSON, absent fields empty. */
function csvValues(record: AuditRecord): string[] {
  return [
    record.id,
    new Date(record.time).toISOString(),
    record.event,
    record.actor.type,
    record.actor.id,
    record.actor.name ?? '',
    record.description,
    JSON.stringify(record.resources),
    record.sourceIp ?? '',
    record.userAgent ?? '',
    record.requestId ?? '',
  ];
}

/** A header row, then one row per record; lines end in CRLF as RFC 4180 has them. */
export function toCsv(records: readonly AuditRecord[]): string {
  return [CSV_COLUMNS as readonly string[], ...records.map(csvValues)].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}

/** Hands `text` to the browser as a file called `filename`, through a Blob URL that is released once the download has it. */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The click starts the download from the URL asynchronously: revoking it at once could cancel it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
