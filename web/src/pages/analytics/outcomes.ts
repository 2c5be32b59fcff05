import { OUTCOMES, type Outcome, type OutcomeCounts } from '../../api/analytics';
import { ApiError } from '../../api/client';

/** What each outcome is called on screen, and the styles.css variable holding its colour in the chart. */
export const OUTCOME_LABELS: Record<Outcome, string> = {
  valid: 'Valid',
  rateLimited: 'Rate limited',
  usageExceeded: 'Usage exceeded',
  disabled: 'Disabled',
  expired: 'Expired',
  forbidden: 'Forbidden',
  insufficientPermissions: 'Insufficient permissions',
  notFound: 'Not found',
};

export const outcomeColourVariable = (outcome: Outcome) => `--chart-${outcome}`;

/** The counts of many buckets or rows added up. */
export function sumCounts(rows: readonly OutcomeCounts[]): OutcomeCounts {
  const sum: OutcomeCounts = { total: 0, spentCredits: 0, ...Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) } as OutcomeCounts;
  for (const row of rows) {
    sum.total += row.total;
    sum.spentCredits += row.spentCredits;
    for (const outcome of OUTCOMES) sum[outcome] += row[outcome];
  }
  return sum;
}

/** The outcomes that occurred at least once, in OUTCOMES order (the chart draws and the tables show only these). */
export const occurredOutcomes = (totals: OutcomeCounts): Outcome[] => OUTCOMES.filter((outcome) => totals[outcome] > 0);

/** "12 verifications: 10 valid, 2 rate limited." (the chart's text alternative, and what a screen reader hears). */
export function summaryText(totals: OutcomeCounts): string {
  const verifications = `${totals.total.toLocaleString()} verification${totals.total === 1 ? '' : 's'}`;
  const parts = occurredOutcomes(totals).map((outcome) => `${totals[outcome].toLocaleString()} ${OUTCOME_LABELS[outcome].toLowerCase()}`);
  return parts.length ? `${verifications}: ${parts.join(', ')}.` : `${verifications}.`;
}

/**
 * The server's explanation when it has no analytics to read (503 `analytics_unavailable`, whose type ends in
 * `analytics_connection_failed` as upstream's; docs/errors.md): an empty state, not an error. Undefined for anything else.
 */
export const analyticsOffDetail = (error: unknown): string | undefined =>
  error instanceof ApiError && error.status === 503 && error.code === 'analytics_connection_failed' ? error.detail : undefined;
