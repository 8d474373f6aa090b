import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkHealth } from '@shop/kit/testing/health-client';
import { dropSchema } from '@shop/kit/testing/start-test-service';
import { repoRoot } from './repo';

/** ServiceName is a process the mesh harness can run. */
export type MeshService = 'users' | 'catalog' | 'inventory' | 'orders' | 'payments' | 'shipping';

const ADDRESS_ENV: Record<MeshService, string> = {
  users: 'USERS_ADDRESS',
  catalog: 'CATALOG_ADDRESS',
  inventory: 'INVENTORY_ADDRESS',
  orders: 'ORDERS_ADDRESS',
  payments: 'PAYMENTS_ADDRESS',
  shipping: 'SHIPPING_ADDRESS',
};

/** freePort asks the OS for a port nobody listens on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Mesh is a set of real service processes started the way `npm start` starts them. */
export interface Mesh {
  dataDir: string;
  address(name: MeshService): string;
  /** kill sends a signal and waits for the process to exit; returns its exit code (null when killed by signal). */
  kill(name: MeshService, signal?: NodeJS.Signals): Promise<number | null>;
  /** start (re)starts a process on its port and waits until it is SERVING. */
  start(name: MeshService): Promise<void>;
  output(name: MeshService): string;
  /** simulatorUrl is the payment simulator's root URL when `simulator` was asked for. */
  simulatorUrl?: string;
  stop(): Promise<void>;
}

/**
 * startMesh runs services as separate Node processes (`node --import tsx
 * services/<name>/src/main.ts`) with their own ports, one data directory,
 * the demo data, and PostgreSQL schemas when `databaseUrl` is given.
 */
export async function startMesh(
  names: MeshService[],
  options: { databaseUrl?: string; env?: Record<string, string>; simulator?: boolean } = {},
): Promise<Mesh> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-mesh-'));
  const ports = new Map<MeshService, number>();
  for (const name of names) ports.set(name, await freePort());
  // The payment simulator runs as its own process, like a real provider's API.
  let simulator: ChildProcess | undefined;
  let simulatorOutput = '';
  const simulatorUrl = options.simulator ? `http://127.0.0.1:${await freePort()}` : undefined;
  if (simulatorUrl) {
    simulator = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'services', 'payments', 'src', 'simulator', 'simulator-main.ts')], {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: 'warn', SIMULATOR_PORT: new URL(simulatorUrl).port, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    simulator.stdout!.on('data', (d: Buffer) => (simulatorOutput += d.toString()));
    simulator.stderr!.on('data', (d: Buffer) => (simulatorOutput += d.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (simulator.exitCode !== null) throw new Error(`payment simulator exited with ${simulator.exitCode}:\n${simulatorOutput}`);
      const ok = await fetch(`${simulatorUrl}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`payment simulator did not start:\n${simulatorOutput}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const run = randomBytes(3).toString('hex');
  const schemas = new Map(names.map((n) => [n, `e2e_${n}_${run}`]));
  const children = new Map<MeshService, ChildProcess>();
  const outputs = new Map<MeshService, string>();
  const addressEnv: Record<string, string> = Object.fromEntries(names.map((n) => [ADDRESS_ENV[n], `127.0.0.1:${ports.get(n)}`]));
  if (simulatorUrl) addressEnv.PAYMENT_PROVIDER_URL = simulatorUrl;

  const mesh: Mesh = {
    dataDir,
    simulatorUrl,
    address: (name) => `127.0.0.1:${ports.get(name)}`,
    output: (name) => outputs.get(name) ?? '',
    async start(name) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'services', name, 'src', 'main.ts')], {
        cwd: repoRoot,
        env: {
          ...process.env,
          LOG_LEVEL: 'warn',
          GRPC_PORT: String(ports.get(name)),
          METRICS_PORT: '-1',
          DATA_DIR: dataDir,
          SERVICE_KEYS_DIR: join(dataDir, 'keys'),
          DEMO_DATA: join(repoRoot, 'demo', 'shop.json'),
          ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl, DATABASE_SCHEMA: schemas.get(name)! } : {}),
          ...addressEnv,
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const collect = (d: Buffer) => outputs.set(name, (outputs.get(name) ?? '') + d.toString());
      child.stdout!.on('data', collect);
      child.stderr!.on('data', collect);
      children.set(name, child);
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${mesh.output(name)}`);
        const status = await checkHealth(mesh.address(name)).catch(() => 'DOWN');
        if (status === 'SERVING') return;
        if (Date.now() > deadline) throw new Error(`${name} did not become SERVING:\n${mesh.output(name)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    kill(name, signal = 'SIGTERM') {
      const child = children.get(name);
      if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? null);
      return new Promise((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      });
    },
    async stop() {
      await Promise.all(names.map((n) => mesh.kill(n, 'SIGTERM')));
      if (simulator && simulator.exitCode === null && simulator.signalCode === null) {
        const exited = new Promise((resolve) => simulator!.once('exit', resolve));
        simulator.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
      if (options.databaseUrl) for (const schema of schemas.values()) await dropSchema(schema);
    },
  };
  try {
    // users first: the others fetch its public keys.
    for (const name of names) await mesh.start(name);
  } catch (err) {
    await mesh.stop();
    throw err;
  }
  return mesh;
}
