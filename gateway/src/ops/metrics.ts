import { Gauge, type Registry } from 'prom-client';
import { createMetrics, HANDLING_BUCKETS, type ClientMethodMetrics, type RpcMetrics } from '@shop/kit';
import { TalliedCounter, TalliedHistogram, type CounterTally, type HistogramTally } from '@shop/kit/telemetry/tallied-metrics';

/** RouteMetrics are the instruments of one route, labels bound once. */
export interface RouteMetrics {
  /** handled counts a finished request by HTTP status and records its duration in seconds. */
  handled(status: number, seconds: number): void;
  /** upstream is the gRPC client instrument of the route's RPC. */
  upstream: ClientMethodMetrics;
}

/**
 * GatewayMetrics are the gateway's Prometheus metrics, on the kit's
 * registry next to the Node.js process metrics and the gRPC client metrics
 * (grpc_client_handled_total ...): http_server_requests_total and
 * http_server_request_duration_seconds by route template, method and status,
 * plus rate-limit rejections and open requests. Routes are bounded by the
 * contract; unmatched requests share the route label "unmatched".
 */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly rpc: RpcMetrics;
  private readonly requests: TalliedCounter;
  private readonly durations: TalliedHistogram;
  private readonly limited: TalliedCounter;
  private readonly limitedTallies = new Map<string, CounterTally>();
  private readonly routes = new Map<string, RouteMetrics>();
  private open = 0;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.rpc = createMetrics({ service: 'gateway', defaultMetrics: options.defaultMetrics });
    this.registry = this.rpc.registry;
    this.requests = new TalliedCounter({
      name: 'http_server_requests_total',
      help: 'HTTP requests the gateway answered, by route template, method and status.',
      labelNames: ['route', 'method', 'status'],
      registry: this.registry,
    });
    this.durations = new TalliedHistogram({
      name: 'http_server_request_duration_seconds',
      help: 'Time from the start of a request to its response (the first byte for streams), in seconds.',
      labelNames: ['route', 'method'],
      buckets: HANDLING_BUCKETS,
      registry: this.registry,
    });
    this.limited = new TalliedCounter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429 by the gateway, by bucket scope (ip or user).',
      labelNames: ['scope'],
      registry: this.registry,
    });
    const read = () => this.open;
    new Gauge({
      name: 'http_server_open_requests',
      help: 'Requests being handled right now, streams included.',
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** forRoute returns a route's instruments, created on first use. */
  forRoute(route: string, method: string, rpcPath: string | undefined, streaming: boolean): RouteMetrics {
    const key = `${method} ${route}`;
    let metrics = this.routes.get(key);
    if (metrics) return metrics;
    const byStatus = new Map<number, CounterTally>();
    const duration: HistogramTally = this.durations.tally({ route, method });
    const labels = { route, method };
    const requests = this.requests;
    const durations = this.durations;
    metrics = {
      handled(status, seconds) {
        let tally = byStatus.get(status);
        if (tally === undefined) {
          tally = requests.tally({ ...labels, status: String(status) });
          byStatus.set(status, tally);
        }
        tally.count += 1;
        durations.observe(duration, seconds);
      },
      upstream: rpcPath === undefined ? { handled: () => undefined } : this.rpc.forClientMethod(rpcPath, streaming ? 'server_stream' : 'unary'),
    };
    this.routes.set(key, metrics);
    return metrics;
  }

  /** rateLimited counts a 429 from the ip or user bucket. */
  rateLimited(scope: 'ip' | 'user'): void {
    let tally = this.limitedTallies.get(scope);
    if (tally === undefined) {
      tally = this.limited.tally({ scope });
      this.limitedTallies.set(scope, tally);
    }
    tally.count += 1;
  }

  opened(): void {
    this.open += 1;
  }

  closed(): void {
    this.open -= 1;
  }
}
