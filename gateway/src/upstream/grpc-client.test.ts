import { createServer as createHttp2Server } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import { status as Code } from '@grpc/grpc-js';
import { fromBinary, fromJson, toBinary, toJson } from '@bufbuild/protobuf';
import { startEchoBackend, type EchoBackend } from '../../test/support/echo-backend';
import { testContract } from '../../test/support/test-contract';
import { EndpointPool } from './endpoint-pool';
import { encodeTimeout, GrpcChannel, grpcCodeFromHttp, type GrpcStatus } from './grpc-client';
import { createLeanTransport } from './h2-connection';
import { createNodeHttp2Transport } from './node-http2-transport';

const contract = testContract();
const registry = contract.registry;
const GetSinkRequest = registry.getMessage('gwtest.v1.GetSinkRequest')!;
const Sink = registry.getMessage('gwtest.v1.Sink')!;
const GET = '/gwtest.v1.TranscodeService/GetSink';
const WATCH = '/gwtest.v1.TranscodeService/WatchSink';

const request = (id: string) => toBinary(GetSinkRequest, fromJson(GetSinkRequest, { id }));
const sink = (bytes: Uint8Array | undefined) => toJson(Sink, fromBinary(Sink, bytes!)) as Record<string, unknown>;

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe.each([
  ['the lean client', createLeanTransport],
  ['node:http2', createNodeHttp2Transport],
])('GrpcChannel over %s', (_name, transport) => {
  let a: EchoBackend;
  let b: EchoBackend;
  const pools: EndpointPool[] = [];

  beforeAll(async () => {
    a = await startEchoBackend(registry, ['gwtest.v1.TranscodeService']);
    b = await startEchoBackend(registry, ['gwtest.v1.TranscodeService']);
  });

  afterAll(async () => {
    for (const pool of pools) pool.close();
    await a.stop();
    await b.stop();
  });

  async function channel(targets: string[], maxMessageBytes = 1 << 20): Promise<GrpcChannel> {
    const pool = new EndpointPool({ targets, transport: transport(), connectTimeoutMs: 500, refreshMs: 0 });
    pools.push(pool);
    await pool.start();
    return new GrpcChannel(pool, { maxMessageBytes, userAgent: 'test' });
  }

  const call = (path: string, id: string, timeoutMs = 2_000, metadata: string[] = []) => ({ path, message: request(id), metadata, deadline: Date.now() + timeoutMs });

  it('makes a unary call with metadata and a deadline', async () => {
    a.calls.length = 0;
    a.behave((c) => ({ response: { id: (c.request as { id: string }).id, title: 'found' } }));
    const result = await (await channel([a.address])).unary(call(GET, 's-1', 2_000, ['x-request-id', 'req-1', 'authorization', 'Bearer t']));
    expect(result.status.code).toBe(Code.OK);
    expect(sink(result.response)).toEqual({ id: 's-1', title: 'found' });
    expect(a.calls[0].metadata).toMatchObject({ 'x-request-id': 'req-1', authorization: 'Bearer t', 'user-agent': expect.stringContaining('test') });
  });

  it('returns a failed status with its message and details', async () => {
    a.behave(() => ({ error: { code: Code.NOT_FOUND, message: 'no sink "x"', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'NOT_FOUND', domain: 'shop.example' }] } }));
    const result = await (await channel([a.address])).unary(call(GET, 'x'));
    expect(result.status).toMatchObject({ code: Code.NOT_FOUND, message: 'no sink "x"', fromBackend: true });
    const status = registry.getMessage('google.rpc.Status')!;
    expect(toJson(status, fromBinary(status, result.status.details!), { registry })).toMatchObject({ code: 5, details: [{ reason: 'NOT_FOUND' }] });
  });

  it('ends a call at its deadline and cancels it on the backend', async () => {
    a.behave(() => ({ response: {}, delayMs: 1_000 }));
    const cancelled = a.cancelled.count;
    const started = Date.now();
    const result = await (await channel([a.address])).unary(call(GET, 'slow', 100));
    expect(result.status.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(600);
    await waitFor(() => a.cancelled.count > cancelled);
  });

  it('cancels a call on request', async () => {
    a.behave(() => ({ response: {}, delayMs: 1_000 }));
    const control: { cancel?: () => void } = {};
    const pending = (await channel([a.address])).unary(call(GET, 'cancel-me'), control);
    setTimeout(() => control.cancel?.(), 50);
    expect((await pending).status.code).toBe(Code.CANCELLED);
  });

  it('refuses a response above the size limit', async () => {
    a.behave(() => ({ response: { title: 'x'.repeat(5_000) } }));
    const result = await (await channel([a.address], 1_000)).unary(call(GET, 'big'));
    expect(result.status.code).toBe(Code.RESOURCE_EXHAUSTED);
  });

  it('spreads calls round-robin over the endpoints', async () => {
    a.calls.length = 0;
    b.calls.length = 0;
    a.behave(() => ({ response: {} }));
    b.behave(() => ({ response: {} }));
    const ch = await channel([a.address, b.address]);
    for (let i = 0; i < 10; i++) expect((await ch.unary(call(GET, String(i)))).status.code).toBe(Code.OK);
    expect(a.calls).toHaveLength(5);
    expect(b.calls).toHaveLength(5);
  });

  it('sends a call that could not connect to the next endpoint', async () => {
    a.behave(() => ({ response: { title: 'from a' } }));
    const ch = await channel([`127.0.0.1:${await freePort()}`, a.address]);
    for (let i = 0; i < 4; i++) {
      const result = await ch.unary(call(GET, String(i)));
      expect(result.status.code).toBe(Code.OK);
      expect(sink(result.response).title).toBe('from a');
    }
  });

  it('answers UNAVAILABLE with a retry hint when no endpoint is reachable', async () => {
    const ch = await channel([`127.0.0.1:${await freePort()}`]);
    const first = await ch.unary(call(GET, 'x'));
    expect(first.status).toMatchObject({ code: Code.UNAVAILABLE, fromBackend: false });
    const second = await ch.unary(call(GET, 'x'));
    expect(second.status.code).toBe(Code.UNAVAILABLE);
    expect(second.status.retryAfterMs).toBeGreaterThan(0);
  });

  it('relays a server stream message by message, then its status', async () => {
    a.behave(() => ({ stream: [{ title: 'one' }, { title: 'two' }, { title: 'three' }], intervalMs: 10, error: { code: Code.UNAVAILABLE, message: 'going away' } }));
    const ch = await channel([a.address]);
    const messages: string[] = [];
    const status = await new Promise<GrpcStatus>((resolve) =>
      ch.serverStream(call(WATCH, 'w'), {
        onMessage(bytes, ack) {
          messages.push(String(sink(bytes).title));
          ack();
        },
        onEnd: resolve,
      }),
    );
    expect(messages).toEqual(['one', 'two', 'three']);
    expect(status).toMatchObject({ code: Code.UNAVAILABLE, message: 'going away' });
  });

  it('reads a non-gRPC answer as the gRPC code its HTTP status maps to', async () => {
    const plain = createHttp2Server((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>nope</h1>');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    try {
      const ch = await channel([`127.0.0.1:${(plain.address() as { port: number }).port}`]);
      const result = await ch.unary(call(GET, 'x'));
      expect(result.status).toMatchObject({ code: Code.UNIMPLEMENTED, fromBackend: false });
    } finally {
      plain.close();
    }
  });
});

describe('grpc-timeout and HTTP status helpers', () => {
  it('writes grpc-timeout in milliseconds, in seconds above 8 digits', () => {
    expect(encodeTimeout(250)).toBe('250m');
    expect(encodeTimeout(0.2)).toBe('1m');
    expect(encodeTimeout(200_000_000)).toBe('200000S');
  });

  it('maps HTTP statuses from backends the way gRPC specifies', () => {
    expect([400, 401, 403, 404, 429, 502, 503, 504, 500].map(grpcCodeFromHttp)).toEqual([
      Code.INTERNAL, Code.UNAUTHENTICATED, Code.PERMISSION_DENIED, Code.UNIMPLEMENTED, Code.UNAVAILABLE, Code.UNAVAILABLE, Code.UNAVAILABLE, Code.UNAVAILABLE, Code.UNKNOWN,
    ]);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
