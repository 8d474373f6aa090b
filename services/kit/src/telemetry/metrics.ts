import { status as Status } from '@grpc/grpc-js';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { TalliedCounter, TalliedGauge, TalliedHistogram, type CounterTally, type HistogramTally, type Labels } from './tallied-metrics';

/** GrpcType is the kind of RPC, spelled as the grpc_type label of go-grpc-prometheus. */
export type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

/** RejectReason says why a call was turned away before its handler ran. */
export type RejectReason = 'overload' | 'draining' | 'deadline' | (string & {});

/**
 * HANDLING_BUCKETS are upper bounds in seconds from 0.5 ms to 10 s: a
 * loopback unary call takes about 0.25 ms at p50 and 1.3 ms at p99 (see
 * PERF-NOTES.md), and the default deadline is 10 s.
 */
export const HANDLING_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** ServerMethodMetrics are the instruments of one server method, with their labels bound once. */
export interface ServerMethodMetrics {
  /** started counts a call the handler chain accepted. */
  started(): void;
  /** handled counts a finished call by status code and records how long it took, in seconds. */
  handled(code: Status, seconds: number): void;
}

/** ClientMethodMetrics are the instruments of one method this process calls, with their labels bound once. */
export interface ClientMethodMetrics {
  /** handled counts a finished outgoing call by status code and records how long it took, in seconds. */
  handled(code: Status, seconds: number): void;
}

/** RpcMetrics are the instruments the runtime's interceptors record on every call. */
export interface RpcMetrics {
  /** registry holds every shopmesh metric of this process; services register their own metrics on it. */
  registry: Registry;
  /** forMethod returns the server instruments of a method path ("/shop.orders.v1.OrderService/PlaceOrder"), cached. */
  forMethod(path: string, type: GrpcType): ServerMethodMetrics;
  /** forClientMethod returns the client instruments of a method path, cached. */
  forClientMethod(path: string, type: GrpcType): ClientMethodMetrics;
  /** inFlight is the number of server calls currently being handled. */
  inFlight: { inc(): void; dec(): void };
  /** rejected counts a call refused before its handler ran. */
  rejected(reason: RejectReason): void;
}

/** MetricsOptions configure createMetrics. */
export interface MetricsOptions {
  service: string;
  /** registry defaults to a new one, so nothing lands on prom-client's global registry by accident. */
  registry?: Registry;
  /** defaultMetrics adds prom-client's process and Node.js metrics (default true); turn off for a registry that has them. */
  defaultMetrics?: boolean;
}

/** EVENT_LOOP_SAMPLE_MS is how often the event loop's lag is sampled for nodejs_eventloop_lag_*. */
export const EVENT_LOOP_SAMPLE_MS = 1_000;

/**
 * createMetrics creates the RPC metrics under go-grpc-prometheus names and
 * labels (grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
 * and so on), so the usual gRPC dashboards and alerts work unchanged.
 * grpc_code is the canonical status name ("OK", "NOT_FOUND"). The service
 * name is published as `shop_service_info{service_name}` rather than as a
 * label on every series, where it would clash with the `service` target label
 * Prometheus adds in Kubernetes.
 *
 * This runs on every call, so calls are counted in plain numbers kept per
 * method and status code, and handed to the registry when it is scraped (see
 * tallied-metrics.ts); prom-client's own instruments would hash the label set
 * on every call. Pass only registered method paths: grpc-js answers unknown
 * ones before interceptors run, which keeps label cardinality bounded.
 */
export function createMetrics(options: MetricsOptions): RpcMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  // Event loop lag sampled once a second rather than prom-client's every
  // 10 ms: that timer woke an idle process 100 times a second (measured: 24
  // against 3 CPU ticks in 30 s for a bare process). A stalled loop still
  // shows, since the stall delays the next sample.
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });

  new Gauge({ name: 'shop_service_info', help: 'Always 1; names the shopmesh service this process runs.', labelNames: ['service_name'], registers }).set(
    { service_name: options.service },
    1,
  );

  // Registered in this order, which is the order they are printed in.
  const serverStarted = new TalliedCounter({
    name: 'grpc_server_started_total',
    help: 'Total number of RPCs started on the server.',
    labelNames: METHOD_LABELS,
    registry,
  });
  const serverHandled = new TalliedCounter({
    name: 'grpc_server_handled_total',
    help: 'Total number of RPCs completed on the server, regardless of success or failure.',
    labelNames: CODE_LABELS,
    registry,
  });
  const serverSeconds = new TalliedHistogram({
    name: 'grpc_server_handling_seconds',
    help: 'Histogram of response latency (seconds) of gRPC calls handled by the server.',
    labelNames: METHOD_LABELS,
    buckets: HANDLING_BUCKETS,
    registry,
  });
  const inFlight = new TalliedGauge({ name: 'grpc_server_in_flight', help: 'Number of RPCs being handled by the server right now.', registry });
  const rejectedTotal = new TalliedCounter({
    name: 'grpc_server_rejected_total',
    help: 'Total number of RPCs the server refused before running their handler, by reason.',
    labelNames: ['reason'],
    registry,
  });
  const clientHandled = new TalliedCounter({
    name: 'grpc_client_handled_total',
    help: 'Total number of RPCs completed by the client, regardless of success or failure.',
    labelNames: CODE_LABELS,
    registry,
  });
  const clientSeconds = new TalliedHistogram({
    name: 'grpc_client_handling_seconds',
    help: 'Histogram of response latency (seconds) of gRPC calls until the client got the status.',
    labelNames: METHOD_LABELS,
    buckets: HANDLING_BUCKETS,
    registry,
  });

  const serverMethods = new Map<string, Partial<Record<GrpcType, ServerMethodMetrics>>>();
  const clientMethods = new Map<string, Partial<Record<GrpcType, ClientMethodMetrics>>>();
  const rejectedByReason = new Map<string, CounterTally>();

  return {
    registry,
    forMethod(path, type) {
      return cached(serverMethods, path, type, () => {
        const labels = methodLabels(path, type);
        let started: CounterTally | undefined;
        return {
          started() {
            (started ??= serverStarted.tally(labels)).count++;
          },
          handled: recordHandled(serverHandled, serverSeconds, labels),
        };
      });
    },
    forClientMethod(path, type) {
      return cached(clientMethods, path, type, () => ({ handled: recordHandled(clientHandled, clientSeconds, methodLabels(path, type)) }));
    },
    inFlight: {
      inc() {
        inFlight.value++;
      },
      dec() {
        inFlight.value--;
      },
    },
    rejected(reason) {
      let tally = rejectedByReason.get(reason);
      if (tally === undefined) {
        tally = rejectedTotal.tally({ reason });
        rejectedByReason.set(reason, tally);
      }
      tally.count++;
    },
  };
}

const METHOD_LABELS = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
const CODE_LABELS = [...METHOD_LABELS, 'grpc_code'] as const;

function methodLabels(path: string, type: GrpcType): Labels {
  const [service, method] = splitPath(path);
  return { grpc_type: type, grpc_service: service, grpc_method: method };
}

/**
 * recordHandled counts finished calls of one method by status code and
 * records their durations. Series are made on first use, not when the method
 * is first looked up, so they appear (in the same order) when prom-client's
 * would; codes outside the spec share the UNKNOWN series.
 */
function recordHandled(counter: TalliedCounter, histogram: TalliedHistogram, labels: Labels): (code: Status, seconds: number) => void {
  const byCode = new Array<CounterTally | undefined>(CODE_NAMES.length).fill(undefined);
  let durations: HistogramTally | undefined;
  return (code, seconds) => {
    const slot = CODE_NAMES[code] === undefined ? Status.UNKNOWN : code;
    (byCode[slot] ??= counter.tally({ ...labels, grpc_code: CODE_NAMES[slot] })).count++;
    histogram.observe((durations ??= histogram.tally(labels)), seconds);
  };
}

const CODE_NAMES: readonly string[] = Object.values(Status)
  .filter((v): v is number => typeof v === 'number')
  .reduce<string[]>((names, code) => {
    names[code] = Status[code];
    return names;
  }, []);

/** codeName is a status code's canonical name ("NOT_FOUND"); a code outside the spec counts as "UNKNOWN", as grpc-js treats it. */
export function codeName(code: number): string {
  return CODE_NAMES[code] ?? 'UNKNOWN';
}

/** splitPath splits "/pkg.Service/Method" into ["pkg.Service", "Method"]. */
export function splitPath(path: string): [service: string, method: string] {
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return ['unknown', path.replace(/^\//, '')];
  return [path.slice(path.startsWith('/') ? 1 : 0, slash), path.slice(slash + 1)];
}

function cached<T>(cache: Map<string, Partial<Record<GrpcType, T>>>, path: string, type: GrpcType, make: () => T): T {
  let byType = cache.get(path);
  if (byType === undefined) {
    byType = {};
    cache.set(path, byType);
  }
  return (byType[type] ??= make());
}
