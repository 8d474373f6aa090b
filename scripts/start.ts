/**
 * start is `npm start` (and, with --dev, `npm run dev`): it runs every
 * shopmesh process as its own child on its fixed local port, with one
 * embedded PostgreSQL server for their databases (PGlite where PostgreSQL
 * cannot run) and the demo data, prints how to call them once the gateway
 * is ready, and on Ctrl-C stops the services first and the database last.
 *
 * `npm start` runs precompiled bundles (dist/local, rebuilt when a source
 * changes); `npm run dev` runs the TypeScript sources with tsx and restarts
 * a process when its files change.
 *
 * Environment: SHOPMESH_DATA_DIR (default ./data), SHOPMESH_DATABASE (auto,
 * postgres or pglite), SHOPMESH_PORT_OFFSET (moves every port, default 0),
 * SHOPMESH_POSTGRES_USER (the account PostgreSQL runs as when started as root).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { meshAt, type MeshProcess } from './mesh';
import { isAlive, parentOf } from '@shop/kit/embedded-postgres';
import { openLocalStorage, type LocalStorage, type StorageChoice } from './local-storage';

const root = resolve(__dirname, '..');
const dev = process.argv.includes('--dev');
const dataDir = resolve(process.env.SHOPMESH_DATA_DIR || join(root, 'data'));
const offset = Number(process.env.SHOPMESH_PORT_OFFSET || 0);
const choice = (process.env.SHOPMESH_DATABASE || 'auto') as StorageChoice;
/** STOP_GRACE_MS bounds how long a process may drain after SIGTERM before it is killed. */
const STOP_GRACE_MS = 20_000;
/** READY_WAIT_MS bounds how long start waits for the gateway's /readyz before it says the mesh did not come up. */
const READY_WAIT_MS = 120_000;

/** FIRST start before the rest: the users service (keys, revocations) and the payment simulator (no dependencies). */
const FIRST = new Set(['users', 'paysim']);

const children = new Map<MeshProcess, ChildProcess>();
let storage: Promise<LocalStorage> | undefined;
let stopping = false;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function prefixLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream): void {
  const label = `${name.padEnd(9)} | `;
  createInterface({ input: stream }).on('line', (line) => out.write(label + line + '\n'));
}

/** stopAll drains every process (SIGTERM), kills what has not exited after STOP_GRACE_MS, then stops the database. */
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say(`\nStopping ${children.size} processes (SIGTERM; they drain and exit), then the database...`);
    const exits = [...children.values()].map((child) => new Promise((done) => child.once('exit', done)));
    for (const child of children.values()) child.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const child of children.values()) child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(exits);
    clearTimeout(force);
    // A server still starting (Ctrl-C during start-up) is stopped once it is up.
    await (await storage?.catch(() => undefined))?.stop();
    process.exit(code);
  }
  return new Promise<never>(() => undefined);
}

function startProcess(proc: MeshProcess, env: Record<string, string>, bundles: string | undefined): void {
  const args = bundles === undefined ? ['--watch', '--import', 'tsx', join(root, proc.entry)] : [join(bundles, proc.app, 'dist', 'main.js')];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      // The payment simulator keeps its journal under DATA_DIR, and PGlite its databases.
      DATA_DIR: dataDir,
      SERVICE_KEYS_DIR: join(dataDir, 'keys'),
      DEMO_DATA: join(root, 'demo', 'shop.json'),
      ...process.env,
      ...proc.env,
      ...env,
    },
    // The IPC channel lets each process notice this one's death (see the kit's onShutdown).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  prefixLines(proc.name, child.stdout!, process.stdout);
  prefixLines(proc.name, child.stderr!, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(proc);
    if (!stopping) {
      process.stderr.write(`${proc.name} exited (${signal ?? code}); stopping the mesh.\n`);
      void stopAll(1);
    }
  });
  children.set(proc, child);
}

/** waitHealthy polls an HTTP health path (the gateway's /readyz, a service's /healthz) until it answers 200. */
async function waitHealthy(port: string, path: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until && !stopping) {
    const status = await new Promise<number>((done) => {
      const req = get({ host: '127.0.0.1', port, path, timeout: 1_000 }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => done(0));
    });
    if (status === 200) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * watchSupervisor stops the mesh when what started this process is gone:
 * `npm start` killed with SIGKILL leaves its `sh -c` and this process
 * running, and nothing would tell them. So the parent and the grandparent
 * (npm, under its shell) are watched, once a second, which costs nothing.
 */
function watchSupervisor(): void {
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const watched = [parent, ...(grandparent !== undefined && grandparent > 1 ? [grandparent] : [])];
  setInterval(() => {
    const lost = process.ppid !== parent ? parent : watched.find((pid) => !isAlive(pid));
    if (lost === undefined || stopping) return;
    process.stderr.write(`The process that started shopmesh (pid ${lost}) is gone; stopping the mesh.\n`);
    void stopAll(1);
  }, 1_000).unref();
}

async function main(): Promise<void> {
  const started = Date.now();
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  watchSupervisor();
  const mesh = meshAt(offset);
  const bundling: Promise<{ dir: string; built: boolean } | undefined> = dev ? Promise.resolve(undefined) : require('./bundle.js').ensureLocalBundles();
  storage = openLocalStorage({
    dataDir,
    databases: mesh.flatMap((p) => (p.database === undefined ? [] : [p.database])),
    choice,
    report: (line) => say(`storage   | ${line}`),
  });
  const db = await storage;
  if (stopping) return;
  say(`storage   | ${db.why}`);
  void db.exited?.then(() => {
    if (stopping) return;
    process.stderr.write('The database server stopped; stopping the mesh.\n');
    void stopAll(1);
  });
  const bundles = await bundling;
  if (stopping) return;
  if (bundles?.built) say(`bundles   | built ${bundles.dir} from the sources`);
  // Every process asks the users service for token keys and revoked
  // sessions before it is ready: users comes first, so the others find it
  // serving instead of backing off from it while six processes start.
  const first = mesh.filter((p) => FIRST.has(p.name));
  for (const proc of first) startProcess(proc, db.envFor(proc.database), bundles?.dir);
  const users = mesh.find((p) => p.name === 'users')!;
  if (!(await waitHealthy(users.env.METRICS_PORT!, '/healthz', READY_WAIT_MS))) {
    if (!stopping) process.stderr.write(`The users service was not healthy within ${READY_WAIT_MS / 1000} s; see the logs above.\n`);
    return;
  }
  for (const proc of mesh) if (!FIRST.has(proc.name)) startProcess(proc, db.envFor(proc.database), bundles?.dir);

  const gateway = mesh.find((p) => p.name === 'gateway')!;
  const width = Math.max(...mesh.map((p) => p.name.length));
  if (!(await waitHealthy(gateway.env.HTTP_PORT!, '/readyz', READY_WAIT_MS))) {
    if (!stopping) process.stderr.write(`The gateway was not ready within ${READY_WAIT_MS / 1000} s; see the logs above.\n`);
    return;
  }
  const rest = `http://127.0.0.1:${gateway.env.HTTP_PORT}`;
  const catalog = mesh.find((p) => p.name === 'catalog')!.env.GRPC_PORT;
  say(`
shopmesh is ready (${((Date.now() - started) / 1000).toFixed(1)} s; ${dev ? 'sources under tsx, restarting on change' : 'precompiled bundles'}):
${mesh.map((p) => `  ${p.name.padEnd(width)}  ${p.describe}`).join('\n')}

Try it:
  curl '${rest}/v1/products?pageSize=3'        (REST; docs at ${rest}/docs)
  npx buf curl --protocol grpc --http2-prior-knowledge --list-services http://127.0.0.1:${catalog}
  npx buf curl --protocol grpc --http2-prior-knowledge -d '{"email":"ada@shop.example","password":"customer-password-1"}' http://127.0.0.1:${users.env.GRPC_PORT}/shop.users.v1.AuthService/Login

Demo accounts: admin@shop.example / admin-password-1, ada@shop.example / customer-password-1
Press Ctrl-C to stop.
`);
}

main().catch((err: unknown) => {
  process.stderr.write(`shopmesh could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  void stopAll(1);
});
