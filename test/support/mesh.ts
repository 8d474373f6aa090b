import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkHealth } from '@shop/kit/testing/health-client';
import { Client } from 'pg';
import { repoRoot } from './repo';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

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

/** CONSUMERS are the services that consume events, each from its own RabbitMQ queue. */
const CONSUMERS: ReadonlySet<MeshService> = new Set(['orders', 'shipping']);

/** MeshBroker is a mesh's share of RabbitMQ: names used by this run only, and a way to cut its connections. */
export interface MeshBroker {
  /** exchange is this run's topic exchange (EVENTS_EXCHANGE of every process). */
  exchange: string;
  /** queues are the consumers' queues (EVENTS_QUEUE), each with its `.retry` and `.dlq`. */
  queues: Partial<Record<MeshService, string>>;
  /** interrupt drops every broker connection of this run and refuses new ones for downMs, like a RabbitMQ restart. */
  interrupt(downMs: number): Promise<void>;
  /** connections is how many broker connections this run's processes hold now. */
  connections(): number;
}

/**
 * PORTS is where test processes listen: below Linux's ephemeral range
 * (32768-60999), which the OS hands out as the local port of every outgoing
 * connection. A port taken from that range with listen(0) and passed to a
 * child process could be used by some connection before the child binds it
 * (seen in CI: EADDRINUSE while other suites ran).
 */
const PORTS = { from: 20_000, to: 32_000 };

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** freePort picks a random port outside the ephemeral range that nobody listens on now. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = PORTS.from + Math.floor(Math.random() * (PORTS.to - PORTS.from));
    if (await tryListen(port)) return port;
  }
  throw new Error(`no free port between ${PORTS.from} and ${PORTS.to}`);
}

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
  /** broker is set when the mesh runs on RabbitMQ (`amqpUrl`). */
  broker?: MeshBroker;
  stop(): Promise<void>;
}

/**
 * startMesh runs services as separate Node processes (`node --import tsx
 * services/<name>/src/main.ts`) with their own ports, one data directory,
 * the demo data, and PostgreSQL schemas when `databaseUrl` is given.
 *
 * With `amqpUrl` events travel through RabbitMQ on names of this run only
 * (exchange `shop.events.e2e-<run>`, queues `shop.<service>.e2e-<run>`),
 * deleted by stop(), so runs never share `shop.events` or each other's
 * queues. The processes reach the broker through a TCP proxy of the run,
 * which `broker.interrupt()` uses to drop their connections.
 */
export async function startMesh(
  names: MeshService[],
  options: { databaseUrl?: string; amqpUrl?: string; env?: Record<string, string>; simulator?: boolean } = {},
): Promise<Mesh> {
  const run = randomBytes(3).toString('hex');
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
  const schemas = new Map(names.map((n) => [n, `e2e_${n}_${run}`]));
  const children = new Map<MeshService, ChildProcess>();
  const outputs = new Map<MeshService, string>();
  const addressEnv: Record<string, string> = Object.fromEntries(names.map((n) => [ADDRESS_ENV[n], `127.0.0.1:${ports.get(n)}`]));
  if (simulatorUrl) addressEnv.PAYMENT_PROVIDER_URL = simulatorUrl;
  const amqp = options.amqpUrl ? await brokerFor(options.amqpUrl, run, names) : undefined;

  const mesh: Mesh = {
    dataDir,
    simulatorUrl,
    broker: amqp?.broker,
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
          ...(amqp ? amqp.env(name) : {}),
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
      if (options.databaseUrl) await dropSchemas(options.databaseUrl, [...schemas.values()]);
      await amqp?.dispose();
    },
  };
  try {
    // users first: the others fetch its public keys.
    for (const name of names) await mesh.start(name);
    await amqp?.consuming();
  } catch (err) {
    await mesh.stop();
    throw err;
  }
  return mesh;
}

/**
 * brokerFor sets up a run's RabbitMQ names and proxy: env(name) is what a
 * process gets, consuming() waits until every consumer queue has its
 * consumer (an event published before its queue is bound would be routed
 * nowhere), and dispose() deletes the run's queues and exchange.
 */
async function brokerFor(amqpUrl: string, run: string, names: MeshService[]) {
  const { connect } = await import('amqplib');
  const target = new URL(amqpUrl);
  const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5672) });
  const viaProxy = new URL(amqpUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const exchange = `shop.events.e2e-${run}`;
  const queues: Partial<Record<MeshService, string>> = Object.fromEntries(names.filter((n) => CONSUMERS.has(n)).map((n) => [n, `shop.${n}.e2e-${run}`]));
  const admin = await connect(amqpUrl);

  /** withChannel runs fn on a fresh channel: a failed check (404) closes its channel, never the admin connection. */
  const withChannel = async <T>(fn: (ch: Awaited<ReturnType<typeof admin.createChannel>>) => Promise<T>): Promise<T> => {
    const ch = await admin.createChannel();
    ch.on('error', () => undefined);
    try {
      return await fn(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  };

  return {
    broker: {
      exchange,
      queues,
      interrupt: (downMs: number) => proxy.interrupt(downMs),
      connections: () => proxy.connections(),
    } satisfies MeshBroker,
    env(name: MeshService): Record<string, string> {
      const queue = queues[name];
      return { AMQP_URL: viaProxy.toString(), EVENTS_EXCHANGE: exchange, ...(queue ? { EVENTS_QUEUE: queue } : {}) };
    },
    async consuming(): Promise<void> {
      const deadline = Date.now() + 30_000;
      for (const queue of Object.values(queues)) {
        for (;;) {
          const consumers = await withChannel((ch) => ch.checkQueue(queue)).then((q) => q.consumerCount, () => 0);
          if (consumers > 0) break;
          if (Date.now() > deadline) throw new Error(`nobody consumes RabbitMQ queue ${queue}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async dispose(): Promise<void> {
      await proxy.close();
      await withChannel(async (ch) => {
        for (const queue of Object.values(queues)) for (const q of [queue, `${queue}.retry`, `${queue}.dlq`]) await ch.deleteQueue(q);
        await ch.deleteExchange(exchange);
      });
      await admin.close();
    },
  };
}

/** dropSchemas removes a run's schemas from the database the mesh was given (not necessarily TEST_DATABASE_URL: the bench takes --database-url). */
async function dropSchemas(databaseUrl: string, schemas: string[]): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
