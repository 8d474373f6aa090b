import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, run } from '../support/repo';
import { ADDRESS_VARIABLE, APPS, CALL_GRAPH, EVENT_FEEDS, SERVICES, STATE } from './support/call-graph';
import { missingTool } from './support/tools';
import { parseYaml } from './support/yaml';

interface ComposeService {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  environment?: Record<string, string> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  read_only?: boolean;
  user?: string;
  cap_drop?: string[];
  tmpfs?: string[] | string;
  volumes?: string[];
  ports?: string[];
}

const compose = parseYaml<{ services: Record<string, ComposeService>; volumes?: Record<string, unknown> }>(
  readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'),
);
const services = compose.services;
const PROCESSES = [...APPS, 'payment-simulator'];

function env(service: ComposeService): Record<string, string> {
  const e = service.environment ?? {};
  return Array.isArray(e) ? Object.fromEntries(e.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string])) : e;
}

function dependsOn(service: ComposeService): Record<string, string> {
  const d = service.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((name) => [name, 'service_started'])) : Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.condition]));
}

describe('docker-compose.yml', () => {
  it('is accepted by docker-compose config', () => {
    if (missingTool('docker-compose')) return;
    const result = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q']);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('runs every shopmesh process from the Dockerfile with a health check, hardened like the Kubernetes pods', () => {
    for (const name of PROCESSES) {
      const s = services[name];
      expect({ name, build: s?.build }).toEqual({ name, build: { context: '.', args: { SERVICE: name } } });
      expect({ name, healthcheck: s!.healthcheck?.test }).toEqual({ name, healthcheck: ['CMD', 'node', '/app/dist/healthcheck.js'] });
      expect({ name, read_only: s!.read_only, user: s!.user, cap_drop: s!.cap_drop }).toEqual({ name, read_only: true, user: '1000:1000', cap_drop: ['ALL'] });
      expect([s!.tmpfs].flat()).toContain('/tmp');
    }
  });

  it('gives every service its own PostgreSQL database, the broker, the collector and the users service', () => {
    const init = readFileSync(join(repoRoot, 'deploy', 'postgres', 'init-databases.sql'), 'utf8');
    for (const name of SERVICES) {
      const e = env(services[name]!);
      const db = new URL(e.DATABASE_URL!);
      expect({ name, host: db.hostname, database: db.pathname, user: db.username }).toEqual({ name, host: 'postgres', database: `/${name}`, user: name });
      expect(init).toContain(`CREATE ROLE ${name} LOGIN PASSWORD '${db.password}';`);
      expect(init).toContain(`CREATE DATABASE ${name} OWNER ${name};`);
      expect(new URL(e.AMQP_URL!).hostname).toBe('rabbitmq');
      expect(e.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
    }
    expect(env(services.gateway!).REDIS_URL).toBe('redis://redis:6379');
    expect(env(services.gateway!).DATABASE_URL).toBeUndefined();
    expect(env(services.payments!).PAYMENT_PROVIDER_URL).toBe('http://payment-simulator:8090');
    expect(env(services.payments!).PAYMENT_PROVIDER_SECRET).toBe(env(services['payment-simulator']!).PAYMENT_PROVIDER_SECRET);
  });

  it('tells each process where exactly the services it calls are, and nothing more', () => {
    for (const name of APPS) {
      const e = env(services[name]!);
      const configured = Object.keys(e)
        .filter((k) => k.endsWith('_ADDRESS'))
        .sort();
      const expected = CALL_GRAPH[name]!.map((s) => ADDRESS_VARIABLE[s]!).sort();
      expect({ name, configured }).toEqual({ name, configured: expected });
      for (const callee of CALL_GRAPH[name]!) expect(e[ADDRESS_VARIABLE[callee]!]).toBe(`${callee}:50051`);
    }
  });

  it('starts each process after what it needs is healthy, without cycles', () => {
    for (const name of APPS) {
      const deps = dependsOn(services[name]!);
      const needed = [
        ...STATE[name]!.filter((s) => s !== 'payment-provider'),
        ...CALL_GRAPH[name]!.filter((callee) => !EVENT_FEEDS.some(([a, b]) => a === name && b === callee)),
        ...(name === 'payments' ? ['payment-simulator'] : []),
      ];
      for (const dep of needed) expect({ name, dep, condition: deps[dep] }).toEqual({ name, dep, condition: 'service_healthy' });
      expect({ name, collector: deps['otel-collector'] }).toEqual({ name, collector: 'service_started' });
    }
    // Every dependency exists and the graph has no cycle (compose refuses one).
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, path: string[]) => {
      expect({ path, exists: Boolean(services[name]) }).toEqual({ path, exists: true });
      if (done.has(name)) return;
      expect({ cycle: [...path, name], ok: !visiting.has(name) }).toEqual({ cycle: [...path, name], ok: true });
      visiting.add(name);
      for (const dep of Object.keys(dependsOn(services[name]!))) visit(dep, [...path, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
  });

  it('has a health check on every process and store that others wait for, and pins every image', () => {
    const waitedFor = new Set(Object.values(services).flatMap((s) => Object.entries(dependsOn(s)).filter(([, c]) => c === 'service_healthy').map(([n]) => n)));
    for (const name of waitedFor) expect({ name, healthcheck: Boolean(services[name]!.healthcheck) }).toEqual({ name, healthcheck: true });
    for (const name of ['postgres', 'rabbitmq', 'redis', 'otel-collector', 'jaeger', 'prometheus', 'grafana']) expect(services[name]).toBeDefined();
    for (const [name, s] of Object.entries(services)) {
      const image = s.image ?? '';
      const tag = image.slice(image.lastIndexOf('/') + 1).split(':')[1];
      expect({ name, image, pinned: Boolean(tag) && tag !== 'latest' }).toEqual({ name, image, pinned: true });
    }
  });

  it('scrapes every process with Prometheus and provisions Grafana with the dashboards', () => {
    const prometheus = parseYaml<{ scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>; rule_files: string[] }>(
      readFileSync(join(repoRoot, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8'),
    );
    for (const name of APPS) {
      const job = prometheus.scrape_configs.find((j) => j.job_name === name);
      const port = name === 'gateway' ? 8080 : 9464;
      expect({ name, targets: job?.static_configs.flatMap((c) => c.targets) }).toEqual({ name, targets: [`${name}:${port}`] });
    }
    expect(prometheus.rule_files).toEqual(['alerts.yml']);
    expect(services.prometheus!.volumes).toEqual(
      expect.arrayContaining(['./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro']),
    );
    expect(services.grafana!.volumes).toEqual(
      expect.arrayContaining(['./deploy/grafana/provisioning:/etc/grafana/provisioning:ro', './deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro']),
    );
  });
});
