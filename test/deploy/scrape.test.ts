import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESH, type MeshProcess } from '../../scripts/mesh';
import { freePort } from '../support/mesh';
import { repoRoot } from '../support/repo';
import { httpGet, startProcess, waitFor, type Running } from './support/processes';
import { missingTool } from './support/tools';

/**
 * Every process of `npm start` that exists and has metrics (all but the
 * payment provider simulator), each on its own free gRPC and
 * metrics port (the gateway: its HTTP port) with embedded storage, scraped
 * by a real Prometheus every second with the alert rules loaded, on loopback.
 */
const present = MESH.filter((p) => existsSync(join(repoRoot, p.entry)) && ('METRICS_PORT' in p.env || 'HTTP_PORT' in p.env));
const prometheusMissing = missingTool('prometheus');
const suite = prometheusMissing ? describe.skip : describe;

interface Started {
  proc: MeshProcess;
  running: Running;
  grpcPort: number;
  metricsPort: number;
}

suite('a real Prometheus scraping every running process', () => {
  let dir = '';
  let started: Started[] = [];
  let prometheus: Running | undefined;
  let prometheusUrl = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shop-scrape-'));
    const grpcPorts = new Map<string, number>();
    for (const p of present) grpcPorts.set(p.name, await freePort());
    const addresses = Object.fromEntries(
      present.filter((p) => p.name !== 'gateway').map((p) => [`${p.name.toUpperCase()}_ADDRESS`, `127.0.0.1:${grpcPorts.get(p.name)}`]),
    );
    for (const proc of present) {
      // The gateway serves /metrics on its HTTP port; the services on METRICS_PORT.
      const httpPort = await freePort();
      const metricsPort = 'HTTP_PORT' in proc.env ? httpPort : await freePort();
      const running = startProcess(proc.name, process.execPath, ['--import', 'tsx', join(repoRoot, proc.entry)], {
        cwd: repoRoot,
        env: {
          LOG_LEVEL: 'warn',
          GRPC_HOST: '127.0.0.1',
          GRPC_PORT: String(grpcPorts.get(proc.name)),
          METRICS_HOST: '127.0.0.1',
          METRICS_PORT: String(metricsPort),
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(httpPort),
          DATA_DIR: join(dir, 'data'),
          SERVICE_KEYS_DIR: join(dir, 'keys'),
          DEMO_DATA: join(repoRoot, 'demo', 'shop.json'),
          PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9',
          ...addresses,
        },
      });
      started.push({ proc, running, grpcPort: grpcPorts.get(proc.name)!, metricsPort });
    }
    for (const s of started) {
      await waitFor(async () => (await httpGet(`http://127.0.0.1:${s.metricsPort}/metrics`)).status === 200, {
        timeoutMs: 120_000,
        process: s.running,
        describe: () => `${s.proc.name} did not serve /metrics on ${s.metricsPort}:\n${s.running.output()}`,
      });
    }

    const webPort = await freePort();
    copyFileSync(join(repoRoot, 'deploy', 'prometheus', 'alerts.yml'), join(dir, 'alerts.yml'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      JSON.stringify(
        {
          global: { scrape_interval: '1s', evaluation_interval: '1s' },
          rule_files: [join(dir, 'alerts.yml')],
          scrape_configs: started.map((s) => ({ job_name: s.proc.name, static_configs: [{ targets: [`127.0.0.1:${s.metricsPort}`] }] })),
        },
        null,
        2,
      ),
    );
    prometheusUrl = `http://127.0.0.1:${webPort}`;
    prometheus = startProcess(
      'prometheus',
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${webPort}`, '--log.level=warn'],
      { cwd: dir, env: {} },
    );
    await waitFor(async () => (await httpGet(`${prometheusUrl}/-/ready`)).status === 200, {
      timeoutMs: 30_000,
      process: prometheus,
      describe: () => `prometheus did not become ready:\n${prometheus!.output()}`,
    });
  }, 240_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(started.map((s) => s.running.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  async function query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const res = await httpGet(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = JSON.parse(res.body) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    expect(body.status).toBe('success');
    return body.data.result;
  }

  it('runs at least the services that exist', () => {
    expect(present.map((p) => p.name)).toEqual(expect.arrayContaining(['users', 'catalog', 'inventory']));
  });

  it('sees up == 1 for every target', async () => {
    const jobs = started.map((s) => s.proc.name).sort();
    let up: Record<string, string> = {};
    await waitFor(
      async () => {
        up = Object.fromEntries((await query('up')).map((r) => [r.metric.job!, r.value[1]]));
        return jobs.every((job) => up[job] === '1');
      },
      { timeoutMs: 30_000, intervalMs: 500, describe: () => `up by job: ${JSON.stringify(up)}` },
    );
    expect(Object.keys(up).sort()).toEqual(jobs);
  }, 60_000);

  it('reads the shopmesh metrics of each service under its job', async () => {
    const services = started.filter((s) => s.proc.name !== 'gateway').map((s) => s.proc.name);
    let info: Array<{ metric: Record<string, string> }> = [];
    await waitFor(
      async () => {
        info = await query('shop_service_info');
        return info.length >= services.length;
      },
      { timeoutMs: 20_000, intervalMs: 500, describe: () => `shop_service_info: ${JSON.stringify(info)}` },
    );
    for (const name of services) expect(info.find((r) => r.metric.job === name)?.metric.service_name).toBe(name);
    // The RPC metrics the dashboards and alerts read are exported from the start.
    const inFlight = await query('grpc_server_in_flight');
    expect(inFlight.map((r) => r.metric.job).sort()).toEqual(expect.arrayContaining(services.sort()));
  }, 40_000);

  it('loads the alert rules of deploy/prometheus/alerts.yml', async () => {
    const res = await httpGet(`${prometheusUrl}/api/v1/rules`);
    const groups = (JSON.parse(res.body) as { data: { groups: Array<{ name: string; rules: Array<{ health: string; name: string }> }> } }).data.groups;
    expect(groups.map((g) => g.name).sort()).toEqual(['shopmesh-gateway', 'shopmesh-outbox', 'shopmesh-payments', 'shopmesh-rpc']);
    const unhealthy = groups.flatMap((g) => g.rules).filter((r) => r.health === 'err');
    expect(unhealthy).toEqual([]);
  });

  it('answers the gRPC health check of scripts/grpc-health.js on every service', async () => {
    const grpc = started.filter((s) => s.proc.name !== 'gateway');
    const check = startProcess('grpc-health', process.execPath, [join(repoRoot, 'scripts', 'grpc-health.js'), ...grpc.map((s) => `127.0.0.1:${s.grpcPort}`)], {
      cwd: repoRoot,
      env: {},
    });
    expect(await check.exited).toBe(0);
    expect(check.output().trim().split('\n')).toHaveLength(grpc.length);
    expect(check.output()).not.toMatch(/NOT_SERVING|FAILED|TIMEOUT/);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const codes = await Promise.all(started.map(async (s) => [s.proc.name, await s.running.stop()] as const));
    expect(Object.fromEntries(codes)).toEqual(Object.fromEntries(started.map((s) => [s.proc.name, 0])));
  }, 60_000);

});
