/**
 * bench/gateway: GET of one product, several ways, in one run:
 *   direct gRPC      h2load -> CatalogService/GetProduct on a grpc-js server
 *   gateway (lean)   wrk -> REST gateway (lean HTTP/2 client) -> the same grpc-js server
 *   gateway (node)   wrk -> REST gateway (node:http2 client)  -> the same grpc-js server
 *   floor            wrk -> node:http + the lean client and codec, no gateway features -> the same server
 *   naive            wrk -> fastify + the generated @grpc/grpc-js client and toJSON -> the same server
 *   naive (http)     wrk -> the same on node:http
 *   grpc-gateway     wrk -> Go's grpc-gateway v1 (Debian's sources, built offline: peers.ts) -> the same server
 *   bare HTTP        wrk -> node:http answering the same JSON
 * Servers (backend, gateways, bare) are pinned to CPU 0, the load tools to
 * CPU 1, so a gateway and the backend it calls share one core, as in
 * PERF-NOTES.md. Configurations are interleaved over several rounds and the
 * median kept: identical runs differ by ~12% on an idle machine and by more
 * on a busy one. CPU per request is read from /proc for each server process,
 * which is steadier than throughput when other work shares the machine.
 *
 *   npm run bench:gateway -- [--rounds 5] [--duration 10] [--warmup 3] [--connections 50] [--cpu-prof DIR]
 * (--cpu-prof DIR writes a V8 profile of the lean gateway)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { GetProductRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { buildGrpcGateway } from './peers';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const rounds = arg('rounds', 5);
const duration = arg('duration', 10);
const warmup = arg('warmup', 3);
const connections = arg('connections', 50);
const profileDir = process.argv.includes('--cpu-prof') ? process.argv[process.argv.indexOf('--cpu-prof') + 1] : undefined;
const root = join(__dirname, '..', '..');
const PRODUCT_ID = '3f2b6c1e-5d4a-4b7c-9e8f-1a2b3c4d5e6f';
const PORTS = { backend: 50_980, lean: 18_081, node: 18_082, bare: 18_083, floor: 18_084, go: 18_085, naive: 18_086, naiveHttp: 18_087 };
const TICK_US = 1_000_000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

interface Server {
  name: string;
  child: ChildProcess;
  output: string;
}

/** running are the servers started and not yet exited: a failed run must not leave them holding the benchmark's ports. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function startServer(name: string, args: string[], profile = false, command?: string[]): Promise<Server> {
  const node = [...(profile && profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), '--import', 'tsx', join(__dirname, 'servers.ts'), ...args];
  const child = spawn('taskset', ['-c', '0', ...(command ?? [process.execPath, ...node])], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const server: Server = { name, child, output: '' };
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.stdout!.on('data', (d: Buffer) => (server.output += d.toString()));
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (server.output.includes('ready')) {
        clearInterval(check);
        resolve(server);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`${name} exited ${code}`));
    });
  });
}

function stopServer(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve(Number(/ok (\d+)/.exec(server.output)?.[1] ?? -1)));
    server.child.kill('SIGTERM');
  });
}

/** cpuTicks is user + system time of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

interface Result {
  rps: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  errors: number;
  /** cpuUs is CPU microseconds per request for each server process involved. */
  cpuUs: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function toMs(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text)!;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

function measured(pids: Record<string, number>, run: () => { requests: number; rps: number; p50ms: number; p99ms: number; errors: number }): Result {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuTicks(pid)]));
  const out = run();
  const cpuUs = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, ((cpuTicks(pid) - before[k]!) * TICK_US) / Math.max(1, out.requests)]));
  return { ...out, cpuUs };
}

/**
 * GATEWAY_HEADERS are the metadata the gateway sends with each call: a
 * deadline, a request id and a trace context. The "same call" made directly
 * carries them too, since the backend does work for each (a deadline timer,
 * metadata parsing).
 */
const GATEWAY_HEADERS = ['grpc-timeout: 10000m', 'x-request-id: 9d3b1c1e-6c0e-4d8a-9a55-0b6d2c4f1e77', 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00', 'user-agent: shop-gateway'];

function h2load(body: string, pids: Record<string, number>, headers: string[]): Result {
  const logFile = `/tmp/shop-bench-gw-h2load-${process.pid}.log`;
  const common = ['-c1', '-m50', '-d', body, '-H', 'content-type: application/grpc', '-H', 'te: trailers', ...headers.flatMap((h) => ['-H', h])];
  const url = `http://127.0.0.1:${PORTS.backend}/shop.catalog.v1.CatalogService/GetProduct`;
  // The warm-up runs outside the measured window, so it does not count in the /proc CPU time.
  spawnSync('taskset', ['-c', '1', 'h2load', ...common, '-D', String(warmup), url]);
  return measured(pids, () => {
    const h2 = spawnSync('taskset', ['-c', '1', 'h2load', ...common, '-D', String(duration), '--log-file', logFile, url], { encoding: 'utf8' });
    if (h2.status !== 0) throw new Error(`h2load failed: ${h2.stderr}${h2.stdout}`);
    const rps = Number(/finished in [\d.]+\w*, ([\d.]+) req\/s/.exec(h2.stdout)?.[1]);
    const [, total, , , succeeded] = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded/.exec(h2.stdout)!.map(Number);
    const latencies = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => Number(l.split('\t')[2]) / 1000).sort((a, b) => a - b);
    rmSync(logFile, { force: true });
    return { rps, requests: succeeded, errors: total - succeeded, p50ms: percentile(latencies, 50), p99ms: percentile(latencies, 99) };
  });
}

function wrk(port: number, pids: Record<string, number>): Result {
  const url = `http://127.0.0.1:${port}/v1/products/${PRODUCT_ID}`;
  spawnSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${connections}`, `-d${warmup}s`, url]);
  return measured(pids, () => {
    const w = spawnSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${connections}`, `-d${duration}s`, '--latency', url], { encoding: 'utf8' });
    if (w.status !== 0) throw new Error(`wrk failed: ${w.stderr}${w.stdout}`);
    const requests = Number(/(\d+) requests in/.exec(w.stdout)?.[1]);
    const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(w.stdout)?.[1] ?? 0) + Number(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(w.stdout)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(w.stdout)?.[1]),
      requests,
      errors,
      p50ms: toMs(/ 50%\s+(\S+)/.exec(w.stdout)![1]!),
      p99ms: toMs(/ 99%\s+(\S+)/.exec(w.stdout)![1]!),
    };
  });
}

const GO_NAME = 'REST via Go grpc-gateway v1';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  for (const tool of ['h2load', 'wrk', 'taskset']) {
    if (spawnSync('which', [tool]).status !== 0) throw new Error(`${tool} is not installed: apt-get install nghttp2-client wrk util-linux`);
  }
  const message = Buffer.from(GetProductRequest.encode({ productId: PRODUCT_ID }).finish());
  const body = `/tmp/shop-bench-gw-body-${process.pid}.bin`;
  writeFileSync(body, Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]));
  const loadBefore = loadavg();

  const backend = await startServer('backend', ['backend', String(PORTS.backend)]);
  const lean = await startServer('gateway (lean)', ['gateway', String(PORTS.lean), String(PORTS.backend), 'lean'], true);
  const nodeGw = await startServer('gateway (node:http2)', ['gateway', String(PORTS.node), String(PORTS.backend), 'node-http2']);
  const bare = await startServer('bare', ['bare', String(PORTS.bare)]);
  const floor = await startServer('floor', ['floor', String(PORTS.floor), String(PORTS.backend)]);
  const naive = await startServer('naive', ['naive', String(PORTS.naive), String(PORTS.backend)]);
  const naiveHttp = await startServer('naive-http', ['naive-http', String(PORTS.naiveHttp), String(PORTS.backend)]);
  // Go's grpc-gateway, when Debian's packages for it are installed (bench/gateway/peers.ts).
  const goBuild = buildGrpcGateway();
  if ('missing' in goBuild) console.error(`SKIPPED Go grpc-gateway peer: missing ${goBuild.missing}`);
  const goGw = 'binary' in goBuild ? await startServer('grpc-gateway (Go)', [], false, [goBuild.binary, `127.0.0.1:${PORTS.go}`, `127.0.0.1:${PORTS.backend}`]) : undefined;
  const pid = (s: Server) => s.child.pid!;

  const configs: Array<{ name: string; run: () => Result }> = [
    { name: 'direct gRPC (h2load -c1 -m50)', run: () => h2load(body, { backend: pid(backend) }, []) },
    { name: 'direct gRPC with the metadata the gateway sends', run: () => h2load(body, { backend: pid(backend) }, GATEWAY_HEADERS) },
    { name: `REST via gateway, lean HTTP/2 client (wrk -c${connections})`, run: () => wrk(PORTS.lean, { gateway: pid(lean), backend: pid(backend) }) },
    { name: `REST via gateway, node:http2 client (wrk -c${connections})`, run: () => wrk(PORTS.node, { gateway: pid(nodeGw), backend: pid(backend) }) },
    { name: `REST via the naive design: fastify + generated @grpc/grpc-js client (wrk -c${connections})`, run: () => wrk(PORTS.naive, { gateway: pid(naive), backend: pid(backend) }) },
    { name: `REST via the naive design on node:http (wrk -c${connections})`, run: () => wrk(PORTS.naiveHttp, { gateway: pid(naiveHttp), backend: pid(backend) }) },
    ...(goGw ? [{ name: `${GO_NAME} (wrk -c${connections})`, run: () => wrk(PORTS.go, { gateway: pid(goGw), backend: pid(backend) }) }] : []),
    { name: `floor: node:http + the lean client and codec, no gateway features (wrk -c${connections})`, run: () => wrk(PORTS.floor, { gateway: pid(floor), backend: pid(backend) }) },
    { name: `bare node:http, same JSON (wrk -c${connections})`, run: () => wrk(PORTS.bare, { server: pid(bare) }) },
  ];
  const results = new Map<string, Result[]>(configs.map((c) => [c.name, []]));
  const clients = new Map<string, Array<{ cpuUsPerCall: number; callsPerSecond: number }>>([['lean', []], ['node-http2', []]]);
  let codec: { protobufEsUs: number; codecUs: number; bytes: number } | undefined;
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const config of configs) {
        const r = config.run();
        results.get(config.name)!.push(r);
        const cpu = Object.entries(r.cpuUs).map(([k, v]) => `${k} ${v.toFixed(0)} us`).join(', ');
        console.error(`round ${round} ${config.name}: ${r.rps.toFixed(0)} req/s p50 ${r.p50ms.toFixed(2)} ms p99 ${r.p99ms.toFixed(2)} ms, errors ${r.errors}, CPU/req ${cpu}, load ${loadavg()[0].toFixed(2)}`);
        if (r.errors > 0) throw new Error(`${config.name}: ${r.errors} failed requests; the numbers would mean nothing`);
      }
      // The gRPC client alone, each transport, on the load core against the same backend.
      for (const transport of ['lean', 'node-http2']) {
        const run = spawnSync('taskset', ['-c', '1', process.execPath, '--import', 'tsx', join(__dirname, 'client.ts'), transport, String(PORTS.backend), '100000'], { cwd: root, encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`client ${transport} failed: ${run.stderr}`);
        const measurement = JSON.parse(run.stdout.trim().split('\n').pop()!) as { cpuUsPerCall: number; callsPerSecond: number };
        clients.get(transport)!.push(measurement);
        console.error(`round ${round} gRPC client alone (${transport}): ${measurement.cpuUsPerCall.toFixed(1)} us CPU per call`);
      }
    }
    const codecRun = spawnSync('taskset', ['-c', '1', process.execPath, '--import', 'tsx', join(__dirname, 'codec.ts')], { cwd: root, encoding: 'utf8' });
    if (codecRun.status !== 0) throw new Error(`codec benchmark failed: ${codecRun.stderr}`);
    codec = JSON.parse(codecRun.stdout.trim().split('\n').pop()!);
  } finally {
    rmSync(body, { force: true });
    const served = await stopServer(backend);
    for (const s of [lean, nodeGw, floor, naive, naiveHttp, bare, ...(goGw ? [goGw] : [])]) await stopServer(s);
    console.error(`backend answered ${served} calls in total`);
  }

  const direct = median(results.get(configs[0]!.name)!.map((r) => r.rps));
  const plain = median(results.get(configs[configs.length - 1]!.name)!.map((r) => r.rps));
  const loadAfter = loadavg();
  console.log(`\n${rounds} interleaved rounds of ${duration} s (after ${warmup} s of warm-up each), medians; servers pinned to CPU 0, load tools to CPU 1.`);
  console.log(`Load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}.\n`);
  console.log('| configuration | req/s | p50 ms | p99 ms | vs direct gRPC | vs bare HTTP | gateway CPU/req | backend CPU/req |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const config of configs) {
    const rs = results.get(config.name)!;
    const rps = median(rs.map((r) => r.rps));
    const cpu = (key: string) => (rs[0]!.cpuUs[key] === undefined ? '' : `${median(rs.map((r) => r.cpuUs[key]!)).toFixed(0)} µs`);
    const own = rs[0]!.cpuUs['server'] !== undefined ? cpu('server') : cpu('gateway');
    console.log(
      `| ${config.name} | ${rps.toFixed(0)} | ${median(rs.map((r) => r.p50ms)).toFixed(2)} | ${median(rs.map((r) => r.p99ms)).toFixed(2)} | ${(rps / direct).toFixed(2)} | ${(rps / plain).toFixed(2)} | ${own} | ${cpu('backend')} |`,
    );
  }
  if (goGw) {
    // The lean gateway's CPU per request against Go's grpc-gateway's, round by round (same round, same machine state).
    const leanRuns = results.get(configs[2]!.name)!;
    const goRuns = results.get(configs.find((c) => c.name.startsWith(GO_NAME))!.name)!;
    const ratios = leanRuns.map((r, i) => r.cpuUs['gateway']! / goRuns[i]!.cpuUs['gateway']!);
    console.log(`\nGateway CPU per request, lean gateway / Go grpc-gateway: median ${median(ratios).toFixed(2)} (per round ${ratios.map((r) => r.toFixed(2)).join(', ')})`);
  }
  console.log('\n| component | lean / gateway | node:http2 / protobuf-es |');
  console.log('|---|---:|---:|');
  const client = (t: string) => median(clients.get(t)!.map((c) => c.cpuUsPerCall)).toFixed(1);
  console.log(`| gRPC client CPU per call (100 000 calls, 50 in flight, median of ${rounds}) | ${client('lean')} µs | ${client('node-http2')} µs |`);
  if (codec) console.log(`| GetProductResponse (${codec.bytes} bytes) to JSON text, best of 5 | ${codec.codecUs.toFixed(2)} µs | ${codec.protobufEsUs.toFixed(2)} µs |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
