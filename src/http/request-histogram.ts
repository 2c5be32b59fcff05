import type { Registry } from 'prom-client';

/**
 * A Prometheus histogram for the one metric observed on every request (keyward_http_request_duration_seconds): each
 * series keeps its counts in a typed array and an observation is a bucket search and three additions. prom-client's
 * Histogram, even through a child resolved once, validates and hashes the series' labels again on every observation,
 * about 0.4 us a call, 2-3% of a cached verification's CPU (bench/RESULTS.md, "Session 18"). It is registered with
 * prom-client's registry, which formats it like any other metric; its text is held equal to prom-client's Histogram's
 * for the same observations (request-histogram.test.ts).
 */

export interface HistogramSeries {
  observe(value: number): void;
}

interface Series extends HistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket, not cumulative; the last slot counts those above every bound. */
  counts: Float64Array;
  sum: number;
}

export class RequestHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of these label values, in `labelNames` order; made once, then observed directly. */
  labels(...values: string[]): HistogramSeries {
    const id = values.join('\u0000');
    let series = this.series.get(id);
    if (series === undefined) {
      const bounds = this.bounds;
      const made: Series = {
        labels: Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!])),
        counts: new Float64Array(bounds.length + 1),
        sum: 0,
        observe(value: number) {
          let bucket = 0;
          while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
          made.counts[bucket]!++;
          made.sum += value;
        },
      };
      series = made;
      this.series.set(id, series);
    }
    return series;
  }

  /** What prom-client's registry formats: per series each bucket's cumulative count, then +Inf, the sum and the count. */
  async get() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const { labels, counts, sum } of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, ...labels }, value: cumulative });
      });
      const count = cumulative + counts[this.bounds.length]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: count });
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
  }
}
