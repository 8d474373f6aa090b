import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { MESH, meshAt } from '../../scripts/mesh';
import { repoRoot } from './repo';

/** portFree tells whether nothing listens on a loopback port. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const MESH_PORTS = MESH.flatMap((p) => ['GRPC_PORT', 'METRICS_PORT', 'HTTP_PORT', 'SIMULATOR_PORT'].flatMap((k) => (p.env[k] ? [Number(p.env[k])] : [])));

/** meshPortsFree tells whether every port of a mesh at this SHOPMESH_PORT_OFFSET is free. */
export async function meshPortsFree(offset: number): Promise<boolean> {
  return (await Promise.all(MESH_PORTS.map((p) => portFree(p + offset)))).every(Boolean);
}

/** freeOffset finds a SHOPMESH_PORT_OFFSET at which every port of the mesh is free, so a mesh the developer runs is not touched. */
export async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 1000 + Math.floor(Math.random() * 5000);
    if (await meshPortsFree(offset)) return offset;
  }
  throw new Error('no free port offset for a second mesh');
}

/** gatewayBase is the gateway's URL of the mesh at a port offset. */
export function gatewayBase(offset: number): string {
  return `http://127.0.0.1:${meshAt(offset).find((p) => p.name === 'gateway')!.env.HTTP_PORT}`;
}

/** eventually polls check until it gives a value, failing with `what` after ms. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** NpmStart is a running `npm start` in its own process group. */
export interface NpmStart {
  process: ChildProcess;
  output(): string;
  /** stop sends SIGTERM to the whole group (npm, the launcher, the mesh) and waits for npm to exit. */
  stop(): Promise<void>;
}

/** startNpm runs `npm start` on its own data directory and ports and waits for the gateway's /readyz. */
export async function startNpm(options: { dataDir: string; offset: number; env?: Record<string, string> }): Promise<NpmStart> {
  let output = '';
  const npm = spawn('npm', ['start'], {
    cwd: repoRoot,
    env: { ...process.env, SHOPMESH_DATA_DIR: options.dataDir, SHOPMESH_PORT_OFFSET: String(options.offset), LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  npm.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const started: NpmStart = {
    process: npm,
    output: () => output,
    async stop() {
      if (npm.exitCode !== null || npm.signalCode !== null) return;
      const exited = new Promise((r) => npm.once('exit', r));
      process.kill(-npm.pid!, 'SIGTERM');
      await exited;
    },
  };
  const base = gatewayBase(options.offset);
  await eventually('npm start answering /readyz', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), 120_000).catch(async (err: Error) => {
    await started.stop();
    throw new Error(`${err.message}\n${output.slice(-3000)}`);
  });
  return started;
}
