import type { AnalyticsOutput } from './translate.js';

/**
 * Rows as the answer carries them: columns named as the user wrote them (output-names.ts), tags and groupArray
 * results as arrays (stored as JSON text, src/analytics/schema.ts), numbers as numbers, and non-finite numbers as
 * null (JSON has none; upstream answers null too).
 */
export function presentRows(rows: readonly Record<string, unknown>[], output: AnalyticsOutput): Record<string, unknown>[] {
  const json = new Set(output.jsonKeys);
  return rows.map((row) => {
    const presented: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row)) {
      const name = output.rename[column] ?? column;
      presented[name] = presentValue(value, json.has(name));
    }
    return presented;
  });
}

function presentValue(value: unknown, isJson: boolean): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (isJson && typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}
