import { request } from 'node:http';
import { Counter, Registry } from 'prom-client';
import { startMetricsServer, type MetricsServer } from './metrics-server';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startMetricsServer', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function registryWithOneCounter() {
    const registry = new Registry();
    new Counter({ name: 'test_things_total', help: 'Things.', registers: [registry] }).inc(3);
    return registry;
  }

  it('serves the registry in Prometheus text format on an ephemeral port', async () => {
    const registry = registryWithOneCounter();
    server = await startMetricsServer({ registry, port: 0 });
    expect(server.port).toBeGreaterThan(0);
    const res = await get(server.port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toBe(registry.contentType);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE test_things_total counter\ntest_things_total 3\n');
  });

  it('ignores a query string on /metrics', async () => {
    server = await startMetricsServer({ registry: registryWithOneCounter(), port: 0 });
    expect((await get(server.port, '/metrics?x=1')).status).toBe(200);
  });

  it('answers 404 for any other path', async () => {
    server = await startMetricsServer({ registry: new Registry(), port: 0 });
    for (const path of ['/', '/metricsx', '/debug/pprof']) expect((await get(server.port, path)).status).toBe(404);
  });

  it('answers 405 to methods other than GET and HEAD', async () => {
    server = await startMetricsServer({ registry: new Registry(), port: 0 });
    expect((await get(server.port, '/metrics', 'POST')).status).toBe(405);
    const head = await get(server.port, '/metrics', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('reports health from the check: 200 when healthy, 503 when not or when it throws', async () => {
    let state: boolean | Error = true;
    const health = async () => {
      if (state instanceof Error) throw state;
      return state;
    };
    server = await startMetricsServer({ registry: new Registry(), port: 0, health });
    const ok = await get(server.port, '/healthz');
    expect([ok.status, ok.type, JSON.parse(ok.body)]).toEqual([200, 'application/json', { status: 'SERVING', details: {} }]);
    state = false;
    const down = await get(server.port, '/healthz');
    expect([down.status, JSON.parse(down.body)]).toEqual([503, { status: 'NOT_SERVING', details: {} }]);
    state = new Error('database down');
    expect((await get(server.port, '/healthz')).status).toBe(503);
  });

  it("shows the service's health details as JSON, read at each probe, without changing the status", async () => {
    let breaker = 'closed';
    server = await startMetricsServer({ registry: new Registry(), port: 0, health: () => true, details: () => ({ breaker }) });
    expect(JSON.parse((await get(server.port, '/healthz')).body)).toEqual({ status: 'SERVING', details: { breaker: 'closed' } });
    breaker = 'open';
    const res = await get(server.port, '/healthz');
    expect([res.status, JSON.parse(res.body)]).toEqual([200, { status: 'SERVING', details: { breaker: 'open' } }]);
  });

  it('still answers the probe when reading the details fails, and says so', async () => {
    const details = () => {
      throw new Error('no breaker yet');
    };
    server = await startMetricsServer({ registry: new Registry(), port: 0, health: () => true, details });
    const res = await get(server.port, '/healthz');
    expect([res.status, JSON.parse(res.body)]).toEqual([200, { status: 'SERVING', details: { error: 'cannot read the health details: no breaker yet' } }]);
  });

  it('counts as healthy without a check', async () => {
    server = await startMetricsServer({ registry: new Registry(), port: 0 });
    expect((await get(server.port, '/healthz')).status).toBe(200);
  });

  it('answers 500 when collecting a metric fails', async () => {
    const registry = new Registry();
    new Counter({
      name: 'broken_total',
      help: 'Broken.',
      registers: [registry],
      collect() {
        throw new Error('boom');
      },
    });
    server = await startMetricsServer({ registry, port: 0 });
    expect((await get(server.port, '/metrics')).status).toBe(500);
  });

  it('rejects when the port is taken', async () => {
    server = await startMetricsServer({ registry: new Registry(), port: 0 });
    await expect(startMetricsServer({ registry: new Registry(), port: server.port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('closes promptly although a scraper keeps its connection alive', async () => {
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    const started = await startMetricsServer({ registry: new Registry(), port: 0 });
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port: started.port, path: '/metrics', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    const before = Date.now();
    await started.close();
    expect(Date.now() - before).toBeLessThan(1000);
    agent.destroy();
  });
});
