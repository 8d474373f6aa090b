import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { dropSchema, TEST_DATABASE_URL } from '@shop/kit/testing/start-test-service';
import { MESH } from '../../scripts/mesh';
import { freePort } from '../support/mesh';
import { repoRoot } from '../support/repo';
import { contextFiles } from './support/dockerignore';
import { httpGet, startProcess, waitFor, type Running } from './support/processes';

const { APPS } = require('../../scripts/bundle.js') as { APPS: Record<string, { entry: string; migrations?: string }> };

/**
 * What goes into the images, checked without a Docker engine: the build
 * context that .dockerignore leaves, the bundles scripts/bundle.js makes in
 * it (what the Dockerfile's build stage runs), and those bundles running on
 * their own, outside the repository, as they run in a container.
 */
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const existing = Object.entries(APPS).filter(([, spec]) => existsSync(join(repoRoot, spec.entry)));
const SERVICES = ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe('the Docker build context', () => {
  const files = contextFiles(repoRoot);

  it('holds the manifests, the sources of every process, the generated SDK and the bundler', () => {
    for (const needed of ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.base.json', 'scripts/bundle.js', 'gen/descriptor.binpb']) {
      expect(files).toContain(needed);
    }
    for (const [, spec] of existing) {
      expect(files).toContain(spec.entry);
      if (spec.migrations) expect(files.filter((f) => f.startsWith(`${spec.migrations}/`)).length).toBeGreaterThan(0);
    }
  });

  it('leaves out node_modules, tests, local data, keys and everything not built', () => {
    const unwanted = files.filter(
      (f) =>
        f.includes('node_modules') ||
        /(^|\/)(test|data|dist|coverage)\//.test(f) ||
        f.endsWith('.test.ts') ||
        f.endsWith('.private.jwk.json') ||
        /^(k8s|deploy|bench|proto|contracts|demo|\.git|\.github|\.ci)\//.test(f),
    );
    expect(unwanted).toEqual([]);
  });
});

describe('the Dockerfile', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const final = stages[stages.length - 1]!;

  it('builds in stages and ships only the bundle stage output on a pinned base image', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+[^\s:]*-slim$/m);
    expect(dockerfile).not.toMatch(/:latest\b/);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/node scripts\/bundle\.js "\$\{SERVICE\}" \/out/);
    expect(final).toMatch(/COPY --from=build \/out\/ \/app\//);
    expect(final).not.toMatch(/COPY \. /);
  });

  it('runs as a non-root user, with node behind tini in exec form so SIGTERM reaches it', () => {
    expect(final).toMatch(/^USER 1000:1000$/m);
    expect(final).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "--enable-source-maps", "\/app\/dist\/main\.js"\]$/m);
    expect(final).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(final).toMatch(/^HEALTHCHECK .*CMD \["node", "\/app\/dist\/healthcheck\.js"\]$/m);
    // Listen on every interface inside the container.
    for (const env of ['GRPC_HOST=0.0.0.0', 'METRICS_HOST=0.0.0.0', 'HTTP_HOST=0.0.0.0', 'SIMULATOR_HOST=0.0.0.0', 'METRICS_PORT=9464', 'GRPC_PORT=50051']) {
      expect(final).toContain(env);
    }
  });
});

describe('the bundles of scripts/bundle.js, made in the build context', () => {
  let dir = '';
  const out = (app: string) => join(dir, 'out', app);
  const running: Running[] = [];
  const schemas: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shop-images-'));
    // The build context as Docker sends it, with node_modules as `npm ci` makes them.
    const ctx = join(dir, 'context');
    for (const file of contextFiles(repoRoot)) {
      mkdirSync(join(ctx, file, '..'), { recursive: true });
      cpSync(join(repoRoot, file), join(ctx, file));
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(ctx, 'node_modules'), 'dir');
    for (const [app] of existing) {
      const result = spawnSync(process.execPath, ['scripts/bundle.js', app, out(app)], { cwd: ctx, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`bundle ${app} failed:\n${result.stdout}${result.stderr}`);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    for (const schema of schemas) await dropSchema(schema).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('covers every process that npm start runs', () => {
    const entries = Object.values(APPS).map((a) => a.entry);
    for (const proc of MESH) expect({ process: proc.name, entry: entries.includes(proc.entry) }).toEqual({ process: proc.name, entry: true });
  });

  it('hold the bundle, the migrations, the descriptor set and production packages only', () => {
    for (const [app, spec] of existing) {
      const files = filesUnder(out(app));
      expect(files).toEqual(expect.arrayContaining(['dist/main.js', 'dist/main.js.map', 'dist/healthcheck.js', 'descriptor.binpb', 'package.json']));
      if (spec.migrations) {
        expect(files.filter((f) => f.startsWith('migrations/')).sort()).toEqual(readdirSync(join(repoRoot, spec.migrations)).map((f) => `migrations/${f}`).sort());
      }
      const packages = readdirSync(join(out(app), 'node_modules'));
      for (const dev of ['typescript', 'jest', 'tsx', 'esbuild', '@swc', '@bufbuild', 'ts-proto', '@types', '@electric-sql', '@shop']) {
        expect({ app, dev, shipped: packages.includes(dev) }).toEqual({ app, dev, shipped: false });
      }
      expect(files.filter((f) => /\.ts$/.test(f))).toEqual([]);
      const bytes = files.reduce((sum, f) => sum + statSync(join(out(app), f)).size, 0);
      expect({ app, under25MB: bytes < 25e6 }).toEqual({ app, under25MB: true });
    }
  });

  it('refuse to start a service without DATABASE_URL, saying why', async () => {
    const proc = startProcess('catalog', process.execPath, [join(out('catalog'), 'dist', 'main.js')], {
      cwd: out('catalog'),
      env: { GRPC_PORT: '0', METRICS_PORT: '-1', DATA_DIR: join(dir, 'data'), SERVICE_KEYS_DIR: join(dir, 'keys-nodb'), DATABASE_URL: '' },
    });
    running.push(proc);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('set DATABASE_URL to a PostgreSQL database');
  });

  it('run the payment simulator, which answers its health check and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const proc = startProcess('payment-simulator', process.execPath, [join(out('payment-simulator'), 'dist', 'main.js')], {
      cwd: out('payment-simulator'),
      env: { SIMULATOR_HOST: '127.0.0.1', SIMULATOR_PORT: String(port), DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' },
    });
    running.push(proc);
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/healthz`)).status === 200, {
      timeoutMs: 20_000,
      process: proc,
      describe: () => `the simulator did not answer:\n${proc.output()}`,
    });
    const check = spawnSync(process.execPath, [join(out('payment-simulator'), 'dist', 'healthcheck.js')], { env: { ...process.env, SIMULATOR_PORT: String(port) } });
    expect(check.status).toBe(0);
    expect(await proc.stop()).toBe(0);
  });

  const withPostgres = TEST_DATABASE_URL ? it : it.skip;
  if (!TEST_DATABASE_URL) console.warn('TEST_DATABASE_URL is not set: skipping the run of the bundled services on PostgreSQL');

  withPostgres(
    'run every service and the gateway on PostgreSQL with keys they cannot write, serve health and metrics, and exit 0 on SIGTERM',
    async () => {
      const services = existing.map(([app]) => app).filter((app) => SERVICES.includes(app));
      // Keys made the way the Kubernetes overlays get them.
      const keys = join(dir, 'keys');
      const made = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'k8s-secrets.js'), 'dev', join(dir, 'secrets')], { encoding: 'utf8' });
      expect(made.status).toBe(0);
      cpSync(join(dir, 'secrets', 'keys'), keys, { recursive: true });
      const keysBefore = readdirSync(keys).sort();

      const run = randomBytes(3).toString('hex');
      const grpcPorts = new Map<string, number>();
      for (const app of services) grpcPorts.set(app, await freePort());
      const addresses = Object.fromEntries(services.map((app) => [`${app.toUpperCase()}_ADDRESS`, `127.0.0.1:${grpcPorts.get(app)}`]));
      const metricsPorts = new Map<string, number>();
      const procs = new Map<string, Running>();
      for (const app of services) {
        const schema = `deploy_${app}_${run}`;
        schemas.push(schema);
        metricsPorts.set(app, await freePort());
        const proc = startProcess(app, process.execPath, ['--enable-source-maps', join(out(app), 'dist', 'main.js')], {
          cwd: out(app),
          env: {
            LOG_LEVEL: 'warn',
            GRPC_HOST: '127.0.0.1',
            GRPC_PORT: String(grpcPorts.get(app)),
            METRICS_HOST: '127.0.0.1',
            METRICS_PORT: String(metricsPorts.get(app)),
            DATABASE_URL: TEST_DATABASE_URL!,
            DATABASE_SCHEMA: schema,
            ...(process.env.TEST_AMQP_URL ? { AMQP_URL: process.env.TEST_AMQP_URL } : {}),
            SERVICE_KEYS_DIR: keys,
            DATA_DIR: join(dir, 'data'),
            PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9',
            ...addresses,
          },
        });
        running.push(proc);
        procs.set(app, proc);
      }
      for (const app of services) {
        const proc = procs.get(app)!;
        await waitFor(async () => (await httpGet(`http://127.0.0.1:${metricsPorts.get(app)}/healthz`)).status === 200, {
          timeoutMs: 60_000,
          process: proc,
          describe: () => `${app} did not become healthy:\n${proc.output()}`,
        });
        const check = spawnSync(process.execPath, [join(out(app), 'dist', 'healthcheck.js')], { env: { ...process.env, METRICS_PORT: String(metricsPorts.get(app)) } });
        expect({ app, healthcheck: check.status }).toEqual({ app, healthcheck: 0 });
        expect((await httpGet(`http://127.0.0.1:${metricsPorts.get(app)}/metrics`)).body).toContain('grpc_server_in_flight');
      }
      const health = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'grpc-health.js'), ...services.map((app) => `127.0.0.1:${grpcPorts.get(app)}`)], { encoding: 'utf8' });
      expect(health.stdout).not.toMatch(/NOT_SERVING|FAILED|TIMEOUT|UNREACHABLE/);
      expect(health.status).toBe(0);

      if (existing.some(([app]) => app === 'gateway')) {
        const httpPort = await freePort();
        const gateway = startProcess('gateway', process.execPath, [join(out('gateway'), 'dist', 'main.js')], {
          cwd: out('gateway'),
          env: { LOG_LEVEL: 'warn', HTTP_HOST: '127.0.0.1', HTTP_PORT: String(httpPort), ...addresses },
        });
        running.push(gateway);
        // /readyz is what scripts/blue-green.sh asks before a switch: every backend SERVING.
        await waitFor(async () => (await httpGet(`http://127.0.0.1:${httpPort}/readyz`)).status === 200, {
          timeoutMs: 60_000,
          process: gateway,
          describe: () => `the gateway did not become ready:\n${gateway.output()}`,
        });
        const check = spawnSync(process.execPath, [join(out('gateway'), 'dist', 'healthcheck.js')], { env: { ...process.env, HTTP_PORT: String(httpPort) } });
        expect(check.status).toBe(0);
        expect((await httpGet(`http://127.0.0.1:${httpPort}/metrics`)).status).toBe(200);
        expect(await gateway.stop()).toBe(0);
      }

      const codes = await Promise.all(services.map(async (app) => [app, await procs.get(app)!.stop()] as const));
      expect(Object.fromEntries(codes)).toEqual(Object.fromEntries(services.map((app) => [app, 0])));
      // A read-only key directory works: nothing was written into it.
      expect(readdirSync(keys).sort()).toEqual(keysBefore);
    },
    180_000,
  );
});
