import { status as Status } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, Registry, type OpenMetricsContentType } from 'prom-client';
import { codeName, createMetrics, HANDLING_BUCKETS, splitPath, type GrpcType, type RpcMetrics } from './metrics';

const PLACE_ORDER = '/shop.orders.v1.OrderService/PlaceOrder';

/** sample finds the value of the one series with exactly these labels in Prometheus text output. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = (match[2] ?? '').split(/,(?=[a-zA-Z_]\w*=")/).filter(Boolean).sort().join(',');
    if (got === wanted) return Number(match[3]);
  }
  return undefined;
}

describe('createMetrics', () => {
  it('renders server calls under go-grpc-prometheus names and labels', async () => {
    const metrics = createMetrics({ service: 'orders', defaultMetrics: false });
    const method = metrics.forMethod(PLACE_ORDER, 'unary');
    method.started();
    method.handled(Status.OK, 0.002);
    method.started();
    method.handled(Status.NOT_FOUND, 0.0004);
    const text = await metrics.registry.metrics();
    const base = { grpc_type: 'unary', grpc_service: 'shop.orders.v1.OrderService', grpc_method: 'PlaceOrder' };
    expect(sample(text, 'grpc_server_started_total', base)).toBe(2);
    expect(sample(text, 'grpc_server_handled_total', { ...base, grpc_code: 'OK' })).toBe(1);
    expect(sample(text, 'grpc_server_handled_total', { ...base, grpc_code: 'NOT_FOUND' })).toBe(1);
    expect(sample(text, 'grpc_server_handling_seconds_count', base)).toBe(2);
    expect(sample(text, 'grpc_server_handling_seconds_sum', base)).toBeCloseTo(0.0024);
    expect(sample(text, 'grpc_server_handling_seconds_bucket', { ...base, le: '0.0005' })).toBe(1);
    expect(sample(text, 'grpc_server_handling_seconds_bucket', { ...base, le: '0.0025' })).toBe(2);
    expect(sample(text, 'grpc_server_handling_seconds_bucket', { ...base, le: '10' })).toBe(2);
    expect(text).toContain('# TYPE grpc_server_handling_seconds histogram');
  });

  it('renders client calls, in-flight calls and rejections', async () => {
    const metrics = createMetrics({ service: 'orders', defaultMetrics: false });
    metrics.forClientMethod('/shop.payments.v1.PaymentService/Charge', 'unary').handled(Status.UNAVAILABLE, 0.03);
    metrics.inFlight.inc();
    metrics.inFlight.inc();
    metrics.inFlight.dec();
    metrics.rejected('overload');
    metrics.rejected('overload');
    metrics.rejected('draining');
    const text = await metrics.registry.metrics();
    const charge = { grpc_type: 'unary', grpc_service: 'shop.payments.v1.PaymentService', grpc_method: 'Charge' };
    expect(sample(text, 'grpc_client_handled_total', { ...charge, grpc_code: 'UNAVAILABLE' })).toBe(1);
    expect(sample(text, 'grpc_client_handling_seconds_count', charge)).toBe(1);
    expect(sample(text, 'grpc_server_in_flight', {})).toBe(1);
    expect(sample(text, 'grpc_server_rejected_total', { reason: 'overload' })).toBe(2);
    expect(sample(text, 'grpc_server_rejected_total', { reason: 'draining' })).toBe(1);
  });

  it('returns the same bound instruments for the same method and type', () => {
    const metrics = createMetrics({ service: 'orders', defaultMetrics: false });
    expect(metrics.forMethod(PLACE_ORDER, 'unary')).toBe(metrics.forMethod(PLACE_ORDER, 'unary'));
    expect(metrics.forMethod(PLACE_ORDER, 'server_stream')).not.toBe(metrics.forMethod(PLACE_ORDER, 'unary'));
    expect(metrics.forClientMethod(PLACE_ORDER, 'unary')).toBe(metrics.forClientMethod(PLACE_ORDER, 'unary'));
  });

  it('names the service in an info metric', async () => {
    const metrics = createMetrics({ service: 'orders', defaultMetrics: false });
    expect(sample(await metrics.registry.metrics(), 'shop_service_info', { service_name: 'orders' })).toBe(1);
  });

  it('adds Node.js process metrics to its own registry, not the global one', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ service: 'orders', registry });
    expect(metrics.registry).toBe(registry);
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('lets a service register its own metrics on the registry', async () => {
    const { Counter } = await import('prom-client');
    const metrics = createMetrics({ service: 'orders', defaultMetrics: false });
    new Counter({ name: 'orders_placed_total', help: 'Orders placed.', registers: [metrics.registry] }).inc();
    expect(sample(await metrics.registry.metrics(), 'orders_placed_total', {})).toBe(1);
  });
});

type Recorder = Pick<RpcMetrics, 'forMethod' | 'forClientMethod' | 'inFlight' | 'rejected'>;

/** promClientRecorder records through prom-client's own instruments, as createMetrics did before it kept tallies. */
function promClientRecorder(registry: Registry): Recorder {
  const registers = [registry];
  const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'];
  const codeLabels = [...labelNames, 'grpc_code'];
  const started = new Counter({ name: 'grpc_server_started_total', help: 'Total number of RPCs started on the server.', labelNames, registers });
  const handled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'Total number of RPCs completed on the server, regardless of success or failure.',
    labelNames: codeLabels,
    registers,
  });
  const seconds = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Histogram of response latency (seconds) of gRPC calls handled by the server.',
    labelNames,
    buckets: [...HANDLING_BUCKETS],
    registers,
  });
  const inFlight = new Gauge({ name: 'grpc_server_in_flight', help: 'Number of RPCs being handled by the server right now.', registers });
  const rejected = new Counter({
    name: 'grpc_server_rejected_total',
    help: 'Total number of RPCs the server refused before running their handler, by reason.',
    labelNames: ['reason'],
    registers,
  });
  const clientHandled = new Counter({
    name: 'grpc_client_handled_total',
    help: 'Total number of RPCs completed by the client, regardless of success or failure.',
    labelNames: codeLabels,
    registers,
  });
  const clientSeconds = new Histogram({
    name: 'grpc_client_handling_seconds',
    help: 'Histogram of response latency (seconds) of gRPC calls until the client got the status.',
    labelNames,
    buckets: [...HANDLING_BUCKETS],
    registers,
  });
  const handler = (counter: Counter, histogram: Histogram, path: string, type: GrpcType) => {
    const [service, method] = splitPath(path);
    return (code: Status, elapsed: number) => {
      counter.labels(type, service, method, codeName(code)).inc();
      histogram.labels(type, service, method).observe(elapsed);
    };
  };
  return {
    forMethod: (path, type) => ({
      started: () => started.labels(type, ...splitPath(path)).inc(),
      handled: handler(handled, seconds, path, type),
    }),
    forClientMethod: (path, type) => ({ handled: handler(clientHandled, clientSeconds, path, type) }),
    inFlight: { inc: () => inFlight.inc(), dec: () => inFlight.dec() },
    rejected: (reason) => rejected.labels(reason).inc(),
  };
}

/** play records the same mix of calls into a recorder and returns the grpc_* lines of each scrape. */
async function play(recorder: Recorder, registry: Registry): Promise<string[]> {
  const grpcLines = async () =>
    (await registry.metrics())
      .split('\n')
      .filter((line) => /^(# (HELP|TYPE) )?grpc_/.test(line))
      .join('\n');
  const scrapes: string[] = [];
  const place = recorder.forMethod(PLACE_ORDER, 'unary');
  const list = recorder.forMethod('/shop.orders.v1.OrderService/ListOrders', 'server_stream');
  const stream = recorder.forMethod(PLACE_ORDER, 'bidi_stream');
  const charge = recorder.forClientMethod('/shop.payments.v1.PaymentService/Charge', 'unary');
  scrapes.push(await grpcLines());

  // Methods and codes first seen out of the order their instruments were made in.
  list.started();
  recorder.inFlight.inc();
  place.started();
  recorder.inFlight.inc();
  place.handled(Status.NOT_FOUND, 0.0005);
  list.handled(Status.OK, 12);
  place.started();
  place.handled(Status.OK, 0.1 + 0.2);
  place.handled(99 as Status, 0.0025);
  place.handled(Status.UNKNOWN, -0.001);
  recorder.inFlight.dec();
  charge.handled(Status.UNAVAILABLE, 10);
  recorder.rejected('overload');
  recorder.rejected('draining');
  recorder.rejected('overload');
  expect(() => stream.handled(Status.OK, Number.NaN)).toThrow(TypeError);
  scrapes.push(await grpcLines());

  for (let i = 0; i < 1000; i++) {
    place.started();
    place.handled(i % 7 === 0 ? Status.DEADLINE_EXCEEDED : Status.OK, (i % 23) * 0.00043);
    charge.handled(Status.OK, i * 0.0101);
  }
  scrapes.push(await grpcLines());

  // Calls recorded after a scrape but before a reset are dropped with the rest.
  place.started();
  charge.handled(Status.INTERNAL, 0.2);
  registry.resetMetrics();
  place.started();
  place.handled(Status.OK, 0.004);
  recorder.rejected('draining');
  scrapes.push(await grpcLines());
  return scrapes;
}

describe('createMetrics compared with prom-client instruments', () => {
  it.each([
    ['a Prometheus registry', () => new Registry()],
    [
      'a registry with default labels',
      () => {
        const registry = new Registry();
        registry.setDefaultLabels({ pod: 'orders-0' });
        return registry;
      },
    ],
    [
      'an OpenMetrics registry',
      () => {
        const registry = new Registry<OpenMetricsContentType>();
        registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
        return registry as unknown as Registry;
      },
    ],
  ])('prints the same grpc_* lines on %s', async (_, newRegistry) => {
    const reference = newRegistry();
    const tallied = newRegistry();
    const expected = await play(promClientRecorder(reference), reference);
    const got = await play(createMetrics({ service: 'orders', registry: tallied, defaultMetrics: false }), tallied);
    expect(got).toEqual(expected);
    expect(got[1]).toContain('grpc_server_handling_seconds_bucket{le="0.0005",');
  });

  it('returns the same JSON for the histograms as prom-client, for cluster aggregation', async () => {
    const record = (recorder: Recorder) => {
      const place = recorder.forMethod(PLACE_ORDER, 'unary');
      for (const seconds of [0.0005, 0.0007, 0.3, 12]) place.handled(Status.OK, seconds);
      recorder.forClientMethod('/shop.payments.v1.PaymentService/Charge', 'unary').handled(Status.OK, 10);
    };
    // prom-client also gives each sample an empty exemplar, which aggregation ignores.
    const histograms = async (registry: Registry) =>
      (await registry.getMetricsAsJSON())
        .filter((metric) => metric.name.endsWith('_handling_seconds'))
        .map((metric) => ({ ...metric, values: metric.values.map((value) => ({ ...value, exemplar: undefined })) }));
    const reference = new Registry();
    record(promClientRecorder(reference));
    const tallied = new Registry();
    record(createMetrics({ service: 'orders', registry: tallied, defaultMetrics: false }));
    expect(await histograms(tallied)).toEqual(await histograms(reference));
  });
});

describe('codeName', () => {
  it('gives canonical status names and UNKNOWN for codes outside the spec', () => {
    expect(codeName(Status.OK)).toBe('OK');
    expect(codeName(Status.NOT_FOUND)).toBe('NOT_FOUND');
    expect(codeName(Status.UNAUTHENTICATED)).toBe('UNAUTHENTICATED');
    expect(codeName(99)).toBe('UNKNOWN');
  });
});

describe('splitPath', () => {
  it('splits a gRPC path into service and method', () => {
    expect(splitPath(PLACE_ORDER)).toEqual(['shop.orders.v1.OrderService', 'PlaceOrder']);
    expect(splitPath('Weird')).toEqual(['unknown', 'Weird']);
  });
});
