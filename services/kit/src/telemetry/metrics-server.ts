import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** MetricsServerOptions configure startMetricsServer. */
export interface MetricsServerOptions {
  registry: Registry;
  /** port 0 lets the OS pick a free port; the chosen one is returned. */
  port: number;
  /** host defaults to loopback; containers pass 0.0.0.0 so Prometheus can scrape them. */
  host?: string;
  /** health answers /healthz: true is 200, false or a throw is 503. Omitted, the process counts as healthy while it serves. */
  health?: () => Promise<boolean> | boolean;
  /**
   * details adds the service's own state to /healthz (a circuit breaker's
   * state, ...): what an operator wants to see next to "up or not". It does
   * not change the status code.
   */
  details?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** HealthReport is the JSON body of /healthz. */
export interface HealthReport {
  status: 'SERVING' | 'NOT_SERVING';
  details: Record<string, unknown>;
}

/** MetricsServer is a listening metrics server. */
export interface MetricsServer {
  /** port is the port actually bound. */
  port: number;
  /** close stops listening and ends idle keep-alive connections, so shutdown does not wait on Prometheus. */
  close(): Promise<void>;
}

/**
 * startMetricsServer serves GET /metrics (Prometheus text format) and
 * GET /healthz (a HealthReport as JSON; 200 or 503) over plain node:http,
 * apart from the gRPC port so scrapes and probes never queue behind RPCs.
 * Every other path is 404.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, port, host = '127.0.0.1' } = options;
  const server = createServer((req, res) => {
    void route(req, res, registry, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, registry: Registry, { health, details }: MetricsServerOptions) {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path !== '/metrics' && path !== '/healthz') return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  if (path === '/metrics') {
    try {
      return send(res, 200, registry.contentType, await registry.metrics());
    } catch {
      // A failing collect callback; the scrape shows up as failed in Prometheus.
      return send(res, 500, 'text/plain; charset=utf-8', 'metrics collection failed\n');
    }
  }
  let healthy: boolean;
  try {
    healthy = health === undefined ? true : await health();
  } catch {
    healthy = false;
  }
  let report: HealthReport['details'];
  try {
    report = details === undefined ? {} : await details();
  } catch (err) {
    // The probe answers on: a broken detail must not take the process out of rotation.
    report = { error: `cannot read the health details: ${err instanceof Error ? err.message : String(err)}` };
  }
  const body: HealthReport = { status: healthy ? 'SERVING' : 'NOT_SERVING', details: report };
  return send(res, healthy ? 200 : 503, 'application/json', `${JSON.stringify(body)}\n`);
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
