import { Counter, Gauge, type Metric, type Registry } from 'prom-client';

/** Labels are the label names and values of one series, in the order they are printed. */
export type Labels = Readonly<Record<string, string>>;

/** CounterTally is one series of a TalliedCounter; the caller counts an event with `tally.count++`. */
export interface CounterTally {
  readonly labels: Labels;
  count: number;
}

/** HistogramTally is one series of a TalliedHistogram; record into it with TalliedHistogram.observe. */
export interface HistogramTally {
  readonly labels: Labels;
  /** counts[i] is the number of observations in bucket i alone; the last slot holds those above every bound. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** TalliedMetricOptions name a metric the way prom-client's constructors do. */
export interface TalliedMetricOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  registry: Registry;
}

interface CounterSeries extends CounterTally {
  /** published is the part of count already added to the prom-client Counter. */
  published: number;
}

/**
 * TalliedCounter is a prom-client Counter whose series are counted in plain
 * numbers and added to it when the registry collects. prom-client hashes the
 * label set on every inc(), even through a bound child; a tally costs one
 * increment. collect() adds what each tally gained since the last scrape
 * rather than setting totals, so Counter.reset() (registry.resetMetrics())
 * still starts the published counts from zero.
 */
export class TalliedCounter {
  private readonly series: CounterSeries[] = [];

  constructor({ name, help, labelNames, registry }: TalliedMetricOptions) {
    const series = this.series;
    const counter = new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        for (const s of series) {
          if (s.count === s.published) continue;
          this.inc(s.labels, s.count - s.published);
          s.published = s.count;
        }
      },
    });
    // Counts not yet published when the counter is reset are dropped with the rest.
    afterReset(counter, () => {
      for (const s of series) s.published = s.count;
    });
  }

  /** tally adds a series with these labels; keep it, and create one per label set. */
  tally(labels: Labels): CounterTally {
    const s: CounterSeries = { labels, count: 0, published: 0 };
    this.series.push(s);
    return s;
  }
}

/**
 * TalliedGauge is a prom-client Gauge without labels whose value is the plain
 * number `value`, set on the gauge when the registry collects. A reset zeroes
 * it, as it zeroes prom-client's own gauge.
 */
export class TalliedGauge {
  value = 0;

  constructor({ name, help, registry }: Omit<TalliedMetricOptions, 'labelNames'>) {
    const tally = this;
    const gauge = new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(tally.value);
      },
    });
    afterReset(gauge, () => {
      tally.value = 0;
    });
  }
}

/** afterReset makes a prom-client metric's reset() (what registry.resetMetrics() calls) also run then. */
function afterReset(metric: { reset(): void }, then: () => void): void {
  const reset = metric.reset.bind(metric);
  metric.reset = () => {
    reset();
    then();
  };
}

/** TalliedHistogramOptions configure a TalliedHistogram. */
export interface TalliedHistogramOptions extends TalliedMetricOptions {
  /** buckets are the upper bounds in increasing order, without +Inf. */
  buckets: readonly number[];
}

/** Sample is one line of a metric, in the shape prom-client's Registry prints. */
interface Sample {
  labels: Record<string, string | number>;
  sharedLabels?: Labels;
  value: number;
  metricName: string;
}

/**
 * TalliedHistogram is a histogram registered on a prom-client Registry whose
 * series are plain bucket counts. prom-client 15 offers no way to set a
 * Histogram's buckets, so this implements what the Registry asks of a metric
 * (name, help, type, aggregator, get, getForPromString, reset; see
 * prom-client/lib/registry.js) and returns the samples exactly as
 * prom-client's Histogram does: cumulative `_bucket{le}` series ending in
 * `+Inf`, then `_sum` and `_count`, with the series labels after `le`.
 * Series with no observations are left out, as prom-client leaves out label
 * sets it has not seen since the last reset.
 */
export class TalliedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly string[];
  private readonly bounds: readonly number[];
  private readonly series: HistogramTally[] = [];

  constructor({ name, help, labelNames, buckets, registry }: TalliedHistogramOptions) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.bounds = [...buckets];
    // The Registry's type lists prom-client's own classes, but it only uses the members above.
    registry.registerMetric(this as unknown as Metric);
  }

  /** tally adds a series with these labels; keep it, and create one per label set. */
  tally(labels: Labels): HistogramTally {
    const names = Object.keys(labels);
    if (names.length !== this.labelNames.length || !names.every((n) => this.labelNames.includes(n))) {
      throw new Error(`${this.name} has labels ${this.labelNames.join(', ')}, not ${names.join(', ')}`);
    }
    const s: HistogramTally = { labels, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
    this.series.push(s);
    return s;
  }

  /** observe records a value into a series of this histogram; like prom-client, it refuses NaN and infinities. */
  observe(series: HistogramTally, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    series.counts[i]++;
    series.sum += value;
    series.count++;
  }

  /** getForPromString returns the samples for the text format, with series labels shared as prom-client does. */
  async getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const bucket = `${this.name}_bucket`;
    const values: Sample[] = [];
    for (const s of this.series) {
      if (s.count === 0) continue;
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.counts[i];
        values.push({ labels: { le: this.bounds[i] }, sharedLabels: s.labels, value: cumulative, metricName: bucket });
      }
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket },
        { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** get returns the samples with each series' labels merged in, as Registry.getMetricsAsJSON and cluster aggregation expect. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const metric = await this.getForPromString();
    metric.values = metric.values.map(({ labels, sharedLabels, value, metricName }) => ({
      labels: { ...labels, ...sharedLabels },
      value,
      metricName,
    }));
    return metric;
  }

  /** reset forgets every observation; the series stay with their holders and reappear when next observed. */
  reset(): void {
    for (const s of this.series) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
