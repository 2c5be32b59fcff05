import { useEffect, useId, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ScrollTable } from '../../components/ScrollTable';
import type { ChartInterval, Outcome, VerificationPoint } from '../../api/analytics';
import { OUTCOME_LABELS, occurredOutcomes, outcomeColourVariable, sumCounts, summaryText } from './outcomes';

/**
 * Verifications per bucket, one line per outcome that occurred, drawn by uPlot on a canvas. uPlot sets its sizes through
 * element.style (the CSS object model), which the dashboard's CSP (`style-src 'self'`, src/http/dashboard-site.ts)
 * allows, unlike style attributes in markup; its stylesheet is bundled with ours. Colours come from styles.css
 * variables, read again when the system switches between light and dark. For screen readers and keyboards the chart
 * is an image described by its text summary, and the same numbers are a table under a disclosure.
 */

const CHART_HEIGHT = 260;

const bucketFormat: Record<ChartInterval, Intl.DateTimeFormat> = {
  minute: new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' }),
  hour: new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' }),
  day: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }),
  month: new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long' }),
};

export const bucketText = (interval: ChartInterval, time: number) => bucketFormat[interval].format(time);

const cssVariable = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function chartOptions(width: number, outcomes: readonly Outcome[]): uPlot.Options {
  const axis = {
    stroke: cssVariable('--muted'),
    grid: { stroke: cssVariable('--border'), width: 1 },
    ticks: { stroke: cssVariable('--border') },
  };
  return {
    width,
    height: CHART_HEIGHT,
    legend: { show: false },
    scales: { x: { time: true } },
    axes: [axis, { ...axis, size: 56 }],
    series: [
      {},
      ...outcomes.map((outcome) => ({ label: OUTCOME_LABELS[outcome], stroke: cssVariable(outcomeColourVariable(outcome)), width: 2 })),
    ],
  };
}

/** uPlot's data: bucket starts in seconds (its time scale's unit), then one row of counts per drawn outcome. */
const chartData = (points: readonly VerificationPoint[], outcomes: readonly Outcome[]): uPlot.AlignedData => [
  points.map((point) => point.time / 1000),
  ...outcomes.map((outcome) => points.map((point) => point[outcome])),
];

export function VerificationsChart({
  points,
  interval,
  title,
}: {
  points: readonly VerificationPoint[];
  interval: ChartInterval;
  /** Names the chart and its table, e.g. "Verifications over the last 24 hours". */
  title: string;
}) {
  // Memoised: the chart is drawn again only when the points change, not on every render of the page around it.
  const totals = useMemo(() => sumCounts(points), [points]);
  const outcomes = useMemo(() => occurredOutcomes(totals), [totals]);
  const summary = summaryText(totals);
  const ids = useId();
  const holder = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = holder.current;
    if (!element || totals.total === 0) return;
    let chart: uPlot | undefined;
    const draw = () => {
      chart?.destroy();
      chart = new uPlot(chartOptions(element.clientWidth, outcomes), chartData(points, outcomes), element);
    };
    draw();
    const resized = new ResizeObserver(() => chart?.setSize({ width: element.clientWidth, height: CHART_HEIGHT }));
    resized.observe(element);
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', draw);
    return () => {
      scheme.removeEventListener('change', draw);
      resized.disconnect();
      chart?.destroy();
    };
  }, [points, outcomes, totals.total]);

  if (totals.total === 0) return <p className="empty">No verifications in this range.</p>;

  return (
    <figure className="chart" aria-labelledby={`${ids}-title`}>
      <figcaption id={`${ids}-title`}>{title}</figcaption>
      <ul className="chart-legend" aria-label="Outcomes drawn">
        {outcomes.map((outcome) => (
          <li key={outcome} className={`chart-key chart-key-${outcome}`}>
            {OUTCOME_LABELS[outcome]}
          </li>
        ))}
      </ul>
      <div ref={holder} className="chart-canvas" role="img" aria-label={title} aria-describedby={`${ids}-summary`} />
      <p id={`${ids}-summary`} className="chart-summary">
        {summary}
      </p>
      <details className="chart-data">
        <summary>Chart data as a table</summary>
        <ScrollTable label={`${title}, table`}>
          <table>
            <thead>
              <tr>
                <th scope="col">{interval === 'month' ? 'Month' : interval === 'day' ? 'Day' : 'From'}</th>
                <th scope="col">Total</th>
                {outcomes.map((outcome) => (
                  <th scope="col" key={outcome}>
                    {OUTCOME_LABELS[outcome]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {points
                .filter((point) => point.total > 0)
                .map((point) => (
                  <tr key={point.time}>
                    <th scope="row">{bucketText(interval, point.time)}</th>
                    <td>{point.total.toLocaleString()}</td>
                    {outcomes.map((outcome) => (
                      <td key={outcome}>{point[outcome].toLocaleString()}</td>
                    ))}
                  </tr>
                ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">All</th>
                <td>{totals.total.toLocaleString()}</td>
                {outcomes.map((outcome) => (
                  <td key={outcome}>{totals[outcome].toLocaleString()}</td>
                ))}
              </tr>
            </tfoot>
          </table>
          <p className="hint">Only buckets with verifications are listed.</p>
        </ScrollTable>
      </details>
    </figure>
  );
}
