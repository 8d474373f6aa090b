import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from '../support/repo';
import { missingTool } from './support/tools';
import { readYaml } from './support/yaml';

const dir = join(repoRoot, 'deploy', 'prometheus');

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}
const dashboard = JSON.parse(readFileSync(join(repoRoot, 'deploy', 'grafana', 'dashboards', 'shopmesh.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string }> };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
const expressions = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = readYaml<{ groups: Array<{ name: string; rules: Rule[] }> }>(join(dir, 'alerts.yml')).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert);

describe('the Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    if (missingTool('promtool')) return;
    const result = run('promtool', ['check', 'rules', join(dir, 'alerts.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('fire on the situations they describe and stay quiet otherwise (promtool test rules)', () => {
    if (missingTool('promtool')) return;
    const result = run('promtool', ['test', 'rules', 'alerts.test.yml'], dir);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('cover the error rate, latency, an open breaker and a growing outbox lag, each with a severity and a summary', () => {
    const expressionsOf = (pattern: RegExp) => alerts.filter((a) => pattern.test(a.expr)).map((a) => a.alert);
    expect(expressionsOf(/grpc_server_errors|grpc_code=~/)).not.toHaveLength(0);
    expect(expressionsOf(/histogram_quantile\(0\.99,[\s\S]*grpc_server_handling_seconds_bucket/)).not.toHaveLength(0);
    expect(expressionsOf(/shop_payment_provider_breaker_state\) == 2/)).not.toHaveLength(0);
    expect(expressionsOf(/shop_events_outbox_oldest_unpublished_age_seconds/)).not.toHaveLength(0);
    expect(expressionsOf(/shop_events_outbox_unpublished/)).not.toHaveLength(0);
    for (const a of alerts) {
      expect({ alert: a.alert, severity: a.labels?.severity }).toEqual({ alert: a.alert, severity: expect.stringMatching(/^(page|warning)$/) });
      expect(a.annotations?.summary).toBeTruthy();
      expect(a.annotations?.description).toBeTruthy();
    }
  });

  it('are what the compose Prometheus loads (promtool check config)', () => {
    if (missingTool('promtool')) return;
    const result = run('promtool', ['check', 'config', join(dir, 'prometheus.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});

describe('the Grafana dashboard', () => {
  it('shows RED per service and method, saga outcomes, outbox lag, breaker state and rate-limit rejections', () => {
    const all = expressions.map((e) => e.expr).join('\n');
    for (const metric of [
      'grpc_server_handled_total',
      'grpc_server_handling_seconds_bucket',
      'grpc_server_in_flight',
      'grpc_server_rejected_total',
      'grpc_client_handled_total',
      'shop_orders_saga_outcomes_total',
      'shop_events_outbox_unpublished',
      'shop_events_outbox_oldest_unpublished_age_seconds',
      'shop_payment_provider_breaker_state',
      'gateway_rate_limited_total',
      'http_server_requests_total',
    ]) {
      expect({ metric, shown: all.includes(metric) }).toEqual({ metric, shown: true });
    }
    expect(all).toMatch(/by \(job, grpc_service, grpc_method\)/);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'job']);
    expect(dashboard.uid).toBe('shopmesh-overview');
  });

  it('has only queries that Prometheus parses', () => {
    if (missingTool('promtool')) return;
    // Each query, with Grafana's variables filled in, becomes a recording rule that promtool parses.
    const tmp = mkdtempSync(join(tmpdir(), 'shop-dashboard-'));
    try {
      const recording = expressions.map((e, i) => ({
        record: `dashboard:query_${i}`,
        expr: e.expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.+'),
      }));
      writeFileSync(join(tmp, 'dashboard-rules.yml'), JSON.stringify({ groups: [{ name: 'dashboard', rules: recording }] }, null, 2));
      const result = run('promtool', ['check', 'rules', join(tmp, 'dashboard-rules.yml')]);
      expect(result.output).toContain(`SUCCESS: ${expressions.length} rules found`);
      expect(result.status).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
