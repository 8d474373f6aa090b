/**
 * Frame-level fuzzer for the gateway's HTTP/2 client: a fake upstream
 * answers each call with generated frames, valid and hostile (bad HPACK,
 * endless CONTINUATION, window overflow, PUSH_PROMISE, padding abuse,
 * oversize and truncated frames, random SETTINGS, PING, GOAWAY, RST_STREAM,
 * unknown types), written in random chunk sizes. Meanwhile calls on another
 * connection, to a well-behaved backend, go on.
 *
 * Asserted: every fuzzed call settles by its deadline with a status (the
 * process never crashes), memory stays bounded, and every call to the
 * well-behaved backend succeeds.
 *
 * Bounded by count and time (FUZZ_ITERATIONS, default 1500; at most 25 s).
 * The seeds are fixed so CI is repeatable; FUZZ_SEED=n explores others.
 */
import { EndpointPool } from '../src/upstream/endpoint-pool';
import { GrpcChannel, type GrpcStatus } from '../src/upstream/grpc-client';
import { createLeanTransport } from '../src/upstream/h2-connection';
import { FLAG, FRAME, frame, grpcMessage, RawH2Server, settingsPayload, u32, type RawConnection } from './support/raw-h2';
import { startGrpcJsBackend, type ScenarioBackend } from './support/scenario-backends';
import { mulberry32 } from '../../test/support/prng';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 1500);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const TIME_BUDGET_MS = 25_000;

type Rand = ReturnType<typeof mulberry32>;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, items: readonly T[]): T => items[int(r, items.length)];
/** bytes: n random bytes (past 256, a random 256-byte pattern repeated, so large frames cost the harness little). */
function bytes(r: Rand, n: number): Buffer {
  const head = Buffer.from(Array.from({ length: Math.min(n, 256) }, () => int(r, 256)));
  return n <= 256 ? head : Buffer.alloc(n, head);
}

const OK_HEADERS = [':status', '200', 'content-type', 'application/grpc'];

/** generators each produce the frames of one hostile (or valid) answer on stream `id`. */
const generators: Array<(r: Rand, conn: RawConnection, id: number) => Buffer[]> = [
  // A valid answer, the baseline the others mutate.
  (r, conn, id) => [conn.headers(id, OK_HEADERS, 0), frame(FRAME.DATA, 0, id, grpcMessage(bytes(r, int(r, 2000)))), conn.headers(id, ['grpc-status', '0'], FLAG.END_STREAM)],
  // Random bytes as an HPACK block.
  (r, _conn, id) => [frame(FRAME.HEADERS, FLAG.END_HEADERS | (r() < 0.5 ? FLAG.END_STREAM : 0), id, bytes(r, 1 + int(r, 200)))],
  // Indexed fields far outside the tables, truncated integers and strings.
  (r, _conn, id) => [frame(FRAME.HEADERS, FLAG.END_HEADERS, id, Buffer.from(pick(r, [[0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], [0xbf], [0x40, 0x85, 0x61], [0x00, 0xff], [0x3f, 0xe1, 0xff, 0xff, 0x0f]])))],
  // CONTINUATION that never ends (or ends after a lot).
  (r, conn, id) => {
    const out = [frame(FRAME.HEADERS, 0, id, conn.encoder.encode(OK_HEADERS, () => 'literal'))];
    const count = 1 + int(r, 90);
    for (let i = 0; i < count; i++) out.push(frame(FRAME.CONTINUATION, i === count - 1 && r() < 0.3 ? FLAG.END_HEADERS : 0, id, bytes(r, 16_384)));
    return out;
  },
  // CONTINUATION on the wrong stream, or without HEADERS.
  (r, conn, id) => [frame(FRAME.HEADERS, 0, id, conn.encoder.encode(OK_HEADERS, () => 'literal')), frame(FRAME.CONTINUATION, FLAG.END_HEADERS, id + 2 * int(r, 3), Buffer.alloc(0))],
  // Window overflow, on the connection or the stream, and zero increments.
  (r, _conn, id) => [frame(FRAME.WINDOW_UPDATE, 0, pick(r, [0, id]), u32(pick(r, [0, 0x7fffffff, 0x80000000 | int(r, 1 << 20), int(r, 1 << 31)])))],
  // PUSH_PROMISE, which push being off forbids.
  (r, _conn, id) => [frame(FRAME.PUSH_PROMISE, FLAG.END_HEADERS, id, Buffer.concat([u32(2 + 2 * int(r, 10)), bytes(r, int(r, 20))]))],
  // Padding abuse: pad length past the payload, padded empty frames, padded HEADERS.
  (r, conn, id) => [
    conn.headers(id, OK_HEADERS, 0),
    frame(FRAME.DATA, FLAG.PADDED, id, Buffer.concat([Buffer.from([int(r, 256)]), bytes(r, int(r, 300))])),
    frame(FRAME.HEADERS, FLAG.PADDED | FLAG.END_HEADERS | FLAG.END_STREAM, id, Buffer.from([int(r, 256)])),
  ],
  // Frames whose length field is over the 16 KiB the client allows (the body may never come).
  (r, _conn, id) => {
    const head = frame(pick(r, [FRAME.DATA, FRAME.HEADERS, FRAME.SETTINGS]), 0, id, Buffer.alloc(0));
    head.writeUIntBE(16_385 + int(r, (1 << 24) - 16_385), 0, 3);
    return [head, bytes(r, int(r, 1000))];
  },
  // DATA past the stream window without any WINDOW_UPDATE.
  (r, conn, id) => [conn.headers(id, OK_HEADERS, 0), ...Array.from({ length: 60 + int(r, 20) }, () => frame(FRAME.DATA, 0, id, Buffer.alloc(16_384)))],
  // Random SETTINGS, including values out of range and ACKs with payloads.
  (r) => [frame(FRAME.SETTINGS, r() < 0.2 ? FLAG.ACK : 0, r() < 0.1 ? 1 : 0, settingsPayload(Array.from({ length: int(r, 4) }, () => [1 + int(r, 8), pick(r, [0, 1, 16_383, 16_384, 65_535, 0x7fffffff, 0x80000000, 0xffffffff, int(r, 1 << 24)])] as [number, number])))],
  // PING of the wrong size or on a stream; ACKs nobody asked for.
  (r, _conn, id) => [frame(FRAME.PING, r() < 0.5 ? FLAG.ACK : 0, r() < 0.3 ? id : 0, bytes(r, pick(r, [0, 7, 8, 9])))],
  // GOAWAY with any last stream id and code, or too short.
  (r, _conn, id) => [frame(FRAME.GOAWAY, 0, 0, r() < 0.2 ? bytes(r, int(r, 8)) : Buffer.concat([u32(pick(r, [0, id, id + 2, 0x7fffffff])), u32(int(r, 14)), bytes(r, int(r, 30))]))],
  // RST_STREAM of any code on this, other or idle streams, or of the wrong size.
  (r, _conn, id) => [frame(FRAME.RST_STREAM, 0, pick(r, [id, id + 2, 0, 2]), bytes(r, pick(r, [4, 4, 4, 3, 5])))],
  // DATA before HEADERS, on stream 0 or an even stream; unknown frame types; PRIORITY.
  (r, _conn, id) => [frame(pick(r, [FRAME.DATA, 0x0a, 0xfe, FRAME.PRIORITY]), int(r, 256), pick(r, [id, 0, 2, 99]), bytes(r, int(r, 64)))],
  // A second header block without END_STREAM, a response without :status, a non-gRPC content type.
  (r, conn, id) => [conn.headers(id, pick(r, [OK_HEADERS, [':status', '503'], ['content-type', 'text/html'], [':status', '200', 'content-type', 'application/grpc', 'grpc-status', 'x']]), 0), conn.headers(id, ['x-more', 'yes'], r() < 0.5 ? FLAG.END_STREAM : 0)],
  // A gRPC message whose length prefix lies, or that claims compression.
  (r, conn, id) => {
    const msg = Buffer.concat([Buffer.from([int(r, 3)]), u32(int(r, 1 << 30)), bytes(r, int(r, 100))]);
    return [conn.headers(id, OK_HEADERS, 0), frame(FRAME.DATA, r() < 0.5 ? FLAG.END_STREAM : 0, id, msg)];
  },
];

/** send writes the frames in random slices, sometimes closing the socket after a truncated one. */
function send(r: Rand, conn: RawConnection, frames: Buffer[]): void {
  const all = Buffer.concat(frames);
  let offset = 0;
  // At most 64 writes per answer: the point is frames split anywhere, not a megabyte byte by byte.
  for (let writes = 0; offset < all.length; writes++) {
    const size = writes >= 63 ? all.length - offset : 1 + int(r, Math.min(all.length - offset, pick(r, [1, 9, 100, 20_000, 1 << 20])));
    conn.write(all.subarray(offset, offset + size));
    offset += size;
  }
  if (r() < 0.05) conn.socket.end();
}

describe('frame-level fuzzer against the lean HTTP/2 client', () => {
  let hostile: RawH2Server;
  let good: ScenarioBackend;
  let rand: Rand;
  const pools: EndpointPool[] = [];

  beforeAll(async () => {
    rand = mulberry32(SEED);
    hostile = new RawH2Server((conn, id) => {
      const frames: Buffer[] = [];
      const count = 1 + int(rand, 3);
      for (let i = 0; i < count; i++) frames.push(...pick(rand, generators)(rand, conn, id));
      send(rand, conn, frames);
    });
    await hostile.listen();
    good = await startGrpcJsBackend();
  });

  afterAll(async () => {
    for (const pool of pools) pool.close();
    await hostile.close();
    if ('stop' in good) await good.stop();
  });

  function channel(address: string): GrpcChannel {
    const pool = new EndpointPool({ targets: [address], transport: createLeanTransport({ keepAliveMs: 500 }), connectTimeoutMs: 1_000, refreshMs: 0 });
    pools.push(pool);
    void pool.start();
    return new GrpcChannel(pool, { maxMessageBytes: 4 << 20, userAgent: 'fuzz' });
  }

  it(`every call settles, memory stays bounded, other connections are unaffected (seed ${SEED})`, async () => {
    if (!('address' in good)) throw new Error('the grpc-js backend always runs');
    const fuzzed = channel(`127.0.0.1:${hostile.port}`);
    const healthy = channel(good.address);
    const started = Date.now();
    const baseline = process.memoryUsage().rss;
    let peakRss = baseline;
    let iterations = 0;
    const statuses = new Map<number, number>();
    const goodFailures: GrpcStatus[] = [];
    let goodCalls = 0;

    // Calls to the well-behaved backend throughout.
    let fuzzing = true;
    const goodLoop = (async () => {
      while (fuzzing) {
        const result = await healthy.unary({ path: '/diff.Scenario/Unary', message: Buffer.from('{"size":100}'), metadata: [], deadline: Date.now() + 5_000 });
        goodCalls += 1;
        if (result.status.code !== 0) goodFailures.push(result.status);
      }
    })();

    while (iterations < ITERATIONS && Date.now() - started < TIME_BUDGET_MS) {
      const batch = Array.from({ length: 4 }, (_, i) => {
        const deadline = Date.now() + 1_000;
        const settle = (status: GrpcStatus) => {
          // Settled by the deadline (with slack for a busy machine), with a status.
          expect(Date.now()).toBeLessThan(deadline + 1_500);
          statuses.set(status.code, (statuses.get(status.code) ?? 0) + 1);
        };
        const call = { path: '/fuzz.Upstream/Call', message: bytes(rand, int(rand, 100)), metadata: [], deadline };
        if (i % 2 === 0) return fuzzed.unary(call).then((r) => settle(r.status));
        return new Promise<void>((resolve) =>
          fuzzed.serverStream(call, {
            onMessage: (_m, ack) => ack(),
            onEnd: (status) => {
              settle(status);
              resolve();
            },
          }),
        );
      });
      await Promise.all(batch);
      iterations += batch.length;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    fuzzing = false;
    await goodLoop;

    console.log(`fuzzer: ${iterations} calls in ${Date.now() - started} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}, rss +${Math.round((peakRss - baseline) / 2 ** 20)} MiB, ${goodCalls} good calls`);
    expect(iterations).toBeGreaterThanOrEqual(Math.min(ITERATIONS, 40));
    // Hostile peers cost bounded memory: no buffer grows with what they send.
    expect(peakRss - baseline).toBeLessThan(256 << 20);
    expect(goodFailures).toEqual([]);
    expect(goodCalls).toBeGreaterThan(10);
    // The fuzzer reached both answers and failures.
    expect(statuses.get(0) ?? 0).toBeGreaterThan(0);
    expect([...statuses.keys()].filter((c) => c !== 0).length).toBeGreaterThan(2);
  }, 60_000);
});
