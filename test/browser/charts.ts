import type { Page } from 'playwright-core';

/**
 * A chart's figures as the page gives them to screen readers: its table footer (every bucket added up), by column,
 * `{ Total: '8', Valid: '4', ... }`. The chart is the figure named `title` (web/src/pages/analytics/).
 */
export async function chartTotals(page: Page, title: string): Promise<Record<string, string>> {
  const chart = page.getByRole('figure', { name: title, exact: true });
  const details = chart.locator('details');
  if (!(await details.evaluate((element) => (element as HTMLDetailsElement).open))) await chart.getByText('Chart data as a table').click();
  const headers = await chart.locator('thead th').allTextContents();
  const totals = await chart.locator('tfoot th, tfoot td').allTextContents();
  return Object.fromEntries(headers.slice(1).map((header, i) => [header, totals[i + 1] ?? '']));
}
