import { status as Status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { codeName, createMetrics, splitPath } from './metrics';

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
