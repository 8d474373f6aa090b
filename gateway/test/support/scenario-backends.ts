/**
 * Scenario backends for the differential suite: the same raw-bytes service
 * (/diff.Scenario/Unary and /diff.Scenario/Stream, a JSON scenario in, what
 * it asks for out) on three gRPC implementations: @grpc/grpc-js in this
 * process, Python grpcio (gRPC core) and grpc-go in child processes.
 * A backend whose toolchain is missing is reported with the reason, so the
 * suite can say clearly what it skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, Server, ServerCredentials, status as Code, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from '@grpc/grpc-js';

/** Scenario is what a backend is asked to answer. */
export interface Scenario {
  /** headerBytes: an x-pad response header of this many bytes. */
  headerBytes?: number;
  /** count: how many messages a stream sends (a unary call sends one unless code is set). */
  count?: number;
  /** size of each message; message i is filled with byte (i*7+1) % 256. */
  size?: number;
  /** code: the status to end with (0 = OK). */
  code?: number;
  message?: string;
  /** detailsBytes: a google.rpc.Status in grpc-status-details-bin with one Any of this many bytes. */
  detailsBytes?: number;
  /** trailerBytes: an x-trail trailer of this many bytes. */
  trailerBytes?: number;
  /** fields: how many such headers and trailers (x-pad-0, x-pad-1, ...; default 1). */
  fields?: number;
}

/** ScenarioBackend is one running backend, or why it cannot run here. */
export type ScenarioBackend = { name: string; address: string; stop(): Promise<void> } | { name: string; unavailable: string };

export const messageBytes = (i: number, size: number) => Buffer.alloc(size, (i * 7 + 1) % 256);

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

const field = (num: number, data: Buffer) => Buffer.concat([varint((num << 3) | 2), varint(data.length), data]);

/** statusBin encodes google.rpc.Status{code, message, details: [Any(diff.Blob)]} as the other backends do. */
export function statusBin(code: number, message: string, blob: Buffer): Buffer {
  const detail = Buffer.concat([field(1, Buffer.from('type.googleapis.com/diff.Blob')), field(2, blob)]);
  const parts: Buffer[] = [];
  if (code) parts.push(varint(1 << 3), varint(code));
  if (message) parts.push(field(2, Buffer.from(message)));
  parts.push(field(3, detail));
  return Buffer.concat(parts);
}

function trailersFor(s: Scenario): Metadata {
  const md = new Metadata();
  for (let i = 0; s.trailerBytes && i < (s.fields ?? 1); i++) md.set(`x-trail-${i}`, 't'.repeat(s.trailerBytes));
  if (s.detailsBytes) md.set('grpc-status-details-bin', statusBin(s.code ?? 0, s.message ?? '', Buffer.alloc(s.detailsBytes, 'd')));
  return md;
}

const identity = (b: Buffer) => b;

/** startGrpcJsBackend serves the scenarios on @grpc/grpc-js in this process. */
export async function startGrpcJsBackend(): Promise<ScenarioBackend> {
  const server = new Server({ 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 });
  const method = (name: string, responseStream: boolean) => ({
    path: `/diff.Scenario/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  });
  const header = (s: Scenario) => {
    const md = new Metadata();
    for (let i = 0; s.headerBytes && i < (s.fields ?? 1); i++) md.set(`x-pad-${i}`, 'h'.repeat(s.headerBytes));
    return md;
  };
  server.addService(
    { Unary: method('Unary', false), Stream: method('Stream', true) },
    {
      Unary: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        const s = JSON.parse(call.request.toString()) as Scenario;
        if (s.headerBytes) call.sendMetadata(header(s));
        if (s.code) return callback({ code: s.code, details: s.message ?? '', metadata: trailersFor(s) });
        callback(null, messageBytes(0, s.size ?? 0), trailersFor(s));
      },
      Stream: (call: ServerWritableStream<Buffer, Buffer>) => {
        const s = JSON.parse(call.request.toString()) as Scenario;
        if (s.headerBytes) call.sendMetadata(header(s));
        let i = 0;
        const count = s.count ?? 0;
        const next = () => {
          while (i < count) {
            const ok = call.write(messageBytes(i, s.size ?? 0));
            i += 1;
            if (!ok) return void call.once('drain', next);
          }
          if (s.code) call.emit('error', { code: s.code, details: s.message ?? '', metadata: trailersFor(s) });
          else call.end(trailersFor(s));
        };
        call.on('cancelled', () => (i = count + 1));
        next();
      },
    } as never,
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { name: 'grpc-js', address: `127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

/** spawnBackend runs a child that prints "PORT n" and stops when its stdin closes. */
async function spawnBackend(name: string, command: string, args: string[]): Promise<ScenarioBackend> {
  const child: ChildProcess = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} backend did not start in 20 s: ${stderr}`)), 20_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /PORT (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} backend exited with ${code}: ${stderr}`));
    });
  });
  return {
    name,
    address: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin!.end();
      }),
  };
}

const BACKENDS_DIR = join(__dirname, 'backends');

/** findPython returns a python3 that imports grpc (Debian's python3-grpcio lives under /usr/bin/python3). */
function findPython(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync('sh', ['-c', `command -v ${candidate} >/dev/null && ${candidate} -c 'import grpc'`], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/** startPythonBackend serves the scenarios on Python grpcio, or says why it cannot. */
export async function startPythonBackend(): Promise<ScenarioBackend> {
  const python = findPython();
  if (python === undefined) return { name: 'grpcio (Python)', unavailable: 'no python3 with grpcio (Debian: python3-grpcio)' };
  return spawnBackend('grpcio (Python)', python, [join(BACKENDS_DIR, 'scenario_server.py')]);
}

const GOPATH = '/usr/share/gocode';

/** startGoBackend builds (offline, GOPATH mode, cached by source hash) and serves the scenarios on grpc-go. */
export async function startGoBackend(): Promise<ScenarioBackend> {
  const name = 'grpc-go';
  if (spawnSync('sh', ['-c', 'command -v go'], { stdio: 'ignore' }).status !== 0) return { name, unavailable: 'no go toolchain (Debian: golang-go)' };
  if (!existsSync(join(GOPATH, 'src/google.golang.org/grpc'))) return { name, unavailable: `no grpc-go sources under ${GOPATH} (Debian: golang-google-grpc-dev)` };
  const source = join(BACKENDS_DIR, 'scenario-server.go');
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'shopmesh-scenario-go');
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, `scenario-server-${hash}`);
  if (!existsSync(binary)) {
    const build = spawnSync('go', ['build', '-o', binary, source], {
      env: { ...process.env, GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: join(dir, 'cache') },
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (build.status !== 0) throw new Error(`go build of the grpc-go backend failed: ${build.stderr}`);
  }
  return spawnBackend(name, binary, []);
}

export { Code };
