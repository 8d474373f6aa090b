/**
 * bench/runtime: a unary RPC through the full shopmesh runtime against a bare
 * grpc-js server answering the same message, measured in one run with
 * h2load at fixed concurrency. The server is pinned to CPU 0 and h2load to
 * CPU 1; configurations are interleaved over several rounds and the median
 * taken, since identical runs differ by ~12% on this machine.
 *
 *   npm run bench:runtime -- [--rounds 3] [--duration 10] [--warmup 5] [--streams 50] [--paired] [--only bare-als,floor,kit:0.1]
 *
 * --paired adds a second measure: in each round every configuration runs at
 * the same time as a bare server, both pinned to CPU 0 and each loaded by
 * its own h2load on CPU 1, and the ratio of the two throughputs is taken.
 * Whatever slows the machine during a run slows both sides of the pair, so
 * these ratios vary by about 2% where sequential runs vary by 12% or more;
 * each server gets about half a core, so the ratios are lower than the
 * sequential ones (more streams wait in each server).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetStockRequest } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { benchToken } from './token';

interface Config {
  name: string;
  args: string[];
}
const ALL_CONFIGS: Config[] = [
  { name: 'bare grpc-js', args: ['bare'] },
  { name: 'bare grpc-js + AsyncLocalStorage scope and a promise per call', args: ['bare-als'] },
  { name: 'floor: the required per-call work inline, no framework, 10% traced', args: ['floor', '0.1'] },
  { name: 'runtime, 10% traced (default)', args: ['kit', '0.1'] },
  { name: 'runtime, every call traced', args: ['kit', '1'] },
];
// --only bare,kit runs just those modes (bare always comes first: the ratios are against it).
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]!.split(',') : undefined;
const CONFIGS = ALL_CONFIGS.filter((c, i) => i === 0 || only === undefined || only.includes(c.args.join(':')) || only.includes(c.args[0]!));

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const rounds = arg('rounds', 3);
const duration = arg('duration', 10);
const warmup = arg('warmup', 5);
const streams = arg('streams', 50);
const port = 50_990;
const root = join(__dirname, '..', '..');

const paired = process.argv.includes('--paired');

function startServer(config: Config, on = port): Promise<ChildProcess> {
  const child = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', join(__dirname, 'servers.ts'), config.args[0]!, String(on), ...config.args.slice(1)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

function stopServer(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', () => resolve(Number(/ok (\d+)/.exec(out)?.[1] ?? -1)));
    child.kill('SIGTERM');
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Result {
  rps: number;
  p50ms: number;
  p99ms: number;
  h2loadSucceeded: number;
  serverOk: number;
}

async function measure(config: Config, body: string, token: string): Promise<Result> {
  const server = await startServer(config);
  const logFile = `/tmp/shop-bench-h2load-${process.pid}.log`;
  const h2 = spawnSync(
    'taskset',
    [
      '-c', '1', 'h2load', '-c1', `-m${streams}`, '-D', String(duration), '--warm-up-time', String(warmup),
      '-d', body, '-H', 'content-type: application/grpc', '-H', 'te: trailers', '-H', `authorization: Bearer ${token}`,
      '--log-file', logFile, `http://127.0.0.1:${port}/shop.inventory.v1.InventoryService/GetStock`,
    ],
    { encoding: 'utf8' },
  );
  const serverOk = await stopServer(server);
  if (h2.status !== 0) throw new Error(`h2load failed: ${h2.stderr}${h2.stdout}`);
  const rps = Number(/finished in [\d.]+\w*, ([\d.]+) req\/s/.exec(h2.stdout)?.[1]);
  const succeeded = Number(/requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded/.exec(h2.stdout)?.[1]);
  const latencies = readFileSync(logFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => Number(line.split('\t')[2]) / 1000)
    .sort((a, b) => a - b);
  rmSync(logFile, { force: true });
  return { rps, p50ms: percentile(latencies, 50), p99ms: percentile(latencies, 99), h2loadSucceeded: succeeded, serverOk };
}

/** h2loadAsync runs h2load on CPU 1 for `duration` seconds against `on` and resolves to its req/s. */
function h2loadAsync(on: number, body: string, token: string): Promise<number> {
  const child = spawn(
    'taskset',
    [
      '-c', '1', 'h2load', '-c1', `-m${streams}`, '-D', String(duration), '--warm-up-time', String(warmup),
      '-d', body, '-H', 'content-type: application/grpc', '-H', 'te: trailers', '-H', `authorization: Bearer ${token}`,
      `http://127.0.0.1:${on}/shop.inventory.v1.InventoryService/GetStock`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const rps = Number(/finished in [\d.]+\w*, ([\d.]+) req\/s/.exec(out)?.[1]);
      if (code !== 0 || !(rps > 0)) reject(new Error(`h2load failed: ${out}`));
      else resolve(rps);
    }),
  );
}

/** measurePair runs `config` and a bare server side by side on CPU 0 and returns config's throughput over bare's. */
async function measurePair(config: Config, body: string, token: string): Promise<number> {
  const [bare, other] = await Promise.all([startServer(CONFIGS[0]!, port + 1), startServer(config, port + 2)]);
  try {
    const [bareRps, rps] = await Promise.all([h2loadAsync(port + 1, body, token), h2loadAsync(port + 2, body, token)]);
    return rps / bareRps;
  } finally {
    await Promise.all([stopServer(bare), stopServer(other)]);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  for (const tool of ['h2load', 'taskset']) {
    if (spawnSync('which', [tool]).status !== 0) throw new Error(`${tool} is not installed: apt-get install nghttp2-client util-linux`);
  }
  const message = Buffer.from(GetStockRequest.encode({ sku: 'MUG-001' }).finish());
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
  const body = `/tmp/shop-bench-body-${process.pid}.bin`;
  writeFileSync(body, frame);
  const token = await benchToken();
  const results = new Map<string, Result[]>(CONFIGS.map((c) => [c.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const config of CONFIGS) {
      const r = await measure(config, body, token);
      results.get(config.name)!.push(r);
      console.error(`round ${round} ${config.name}: ${r.rps.toFixed(0)} req/s p50 ${r.p50ms.toFixed(2)} ms p99 ${r.p99ms.toFixed(2)} ms (h2load ok ${r.h2loadSucceeded}, server ok ${r.serverOk})`);
    }
  }
  const pairs = new Map<string, number[]>(CONFIGS.slice(1).map((c) => [c.name, []]));
  if (paired) {
    for (let round = 1; round <= rounds; round++) {
      for (const config of CONFIGS.slice(1)) {
        const ratio = await measurePair(config, body, token);
        pairs.get(config.name)!.push(ratio);
        console.error(`round ${round} paired with bare: ${config.name}: ${ratio.toFixed(3)}`);
      }
    }
  }
  rmSync(body, { force: true });
  const bare = median(results.get(CONFIGS[0]!.name)!.map((r) => r.rps));
  console.log(`\nh2load -c1 -m${streams}, ${duration} s after ${warmup} s warm-up, median of ${rounds} interleaved rounds, server on CPU 0, h2load on CPU 1\n`);
  console.log('| configuration | req/s | p50 ms | p99 ms | vs bare |');
  console.log('|---|---:|---:|---:|---:|');
  for (const config of CONFIGS) {
    const rs = results.get(config.name)!;
    const rps = median(rs.map((r) => r.rps));
    console.log(`| ${config.name} | ${rps.toFixed(0)} | ${median(rs.map((r) => r.p50ms)).toFixed(2)} | ${median(rs.map((r) => r.p99ms)).toFixed(2)} | ${(rps / bare).toFixed(2)} |`);
  }
  if (paired) {
    console.log(`\nPaired with a bare server on the same core at the same time (${rounds} rounds): throughput over bare's\n`);
    console.log('| configuration | median | min | max |');
    console.log('|---|---:|---:|---:|');
    for (const [name, ratios] of pairs) {
      console.log(`| ${name} | ${median(ratios).toFixed(2)} | ${Math.min(...ratios).toFixed(2)} | ${Math.max(...ratios).toFixed(2)} |`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
