import { Counter, type LabelValues, type Registry } from 'prom-client';

// prom-client hashes a sample's labels on every inc() and observe(), through a labelled child too:
// ~1 µs each, three per token request and two per discovery request (bench/). The metrics here
// find their series once by a key the caller already has, then only add to plain numbers; the
// registry reads them when scraped, in prom-client's own formats (and its cluster aggregation).

/** Series kept per metric; past it the counts are handed over and the map starts again. */
const MAX_SERIES = 10_000;

/** A prom-client Counter fed from per-series counts at each scrape. */
export class BufferedCounter<L extends string> {
  private readonly series = new Map<string, { labels: LabelValues<L>; pending: number }>();
  private readonly counter: Counter<L>;

  constructor(config: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] }) {
    this.counter = new Counter<L>({ ...config, collect: () => this.flush() });
  }

  /** Adds one to the series `key` names (its label values, joined), labelled by `labels()` when new. */
  inc(key: string, labels: () => LabelValues<L>): void {
    let series = this.series.get(key);
    if (!series) {
      if (this.series.size >= MAX_SERIES) this.flush(true);
      this.series.set(key, (series = { labels: labels(), pending: 0 }));
    }
    series.pending++;
  }

  private flush(forget = false): void {
    for (const series of this.series.values()) {
      if (series.pending) this.counter.inc(series.labels, series.pending);
      series.pending = 0;
    }
    if (forget) this.series.clear();
  }
}

interface HistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket, not cumulative; the last one is past every bound. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram, registered in a prom-client Registry as a custom metric: `get()` answers
 * what prom-client's Histogram answers (cumulative `_bucket` samples with `le`, then `_sum` and
 * `_count`), so the text format and AggregatorRegistry's sum across workers are prom-client's own.
 */
export class BufferedHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly bounds: readonly number[];
  private series = new Map<string, HistogramSeries>();

  constructor(config: { name: string; help: string; labelNames: readonly L[]; buckets: readonly number[]; registers: Registry[] }) {
    this.name = config.name;
    this.help = config.help;
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    for (const registry of config.registers) registry.registerMetric(this as never);
  }

  /** One observation of `value` in the series `key` names, labelled by `labels()` when new. */
  observe(key: string, labels: () => LabelValues<L>, value: number): void {
    let series = this.series.get(key);
    if (!series) {
      // Unlike a counter's, a histogram's series cannot be handed over: past the bound it starts again.
      if (this.series.size >= MAX_SERIES) this.series.clear();
      this.series.set(key, (series = { labels: labels() as Record<string, string>, buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 }));
    }
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    series.buckets[i]++;
    series.sum += value;
    series.count++;
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName: string }[] }> {
    const values = [];
    for (const { labels, buckets, sum, count } of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += buckets[i];
        values.push({ labels: { le: this.bounds[i], ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.series = new Map();
  }
}
