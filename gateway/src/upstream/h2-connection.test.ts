import { constants, createServer, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { H2Connection, H2_ERROR } from './h2-connection';
import type { DecodedHeaders, StreamError, UpstreamStream } from './transport';

/** Reply collects what the client receives on one stream. */
interface Reply {
  headers: DecodedHeaders[];
  body: Buffer;
  error?: StreamError;
  done: Promise<void>;
  stream: UpstreamStream;
}

let server: Http2Server;
let port: number;
let onStream: (stream: ServerHttp2Stream, headers: Record<string, unknown>, session: ServerHttp2Session) => void;
const conns: H2Connection[] = [];
const sessions = new Set<ServerHttp2Session>();

beforeAll(async () => {
  server = createServer({ settings: { maxConcurrentStreams: 4 } });
  server.on('session', (session) => sessions.add(session));
  server.on('stream', (stream, headers) => {
    // Streams the tests reset emit errors on this side; they are expected.
    stream.on('error', () => undefined);
    onStream(stream, headers, stream.session as ServerHttp2Session);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterEach(() => {
  for (const c of conns.splice(0)) c.destroy();
});

afterAll(async () => {
  for (const session of sessions) session.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function connect(target = port, connectTimeoutMs = 2_000): { conn: H2Connection; ready: Promise<void>; closed: Promise<boolean> } {
  let ready!: () => void;
  let closed!: (failed: boolean) => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const closedP = new Promise<boolean>((r) => (closed = r));
  const conn = new H2Connection({ host: '127.0.0.1', port: target, connectTimeoutMs, events: { onReady: ready, onClose: (failed) => closed(failed) } });
  conns.push(conn);
  return { conn, ready: readyP, closed: closedP };
}

function request(conn: H2Connection, path: string, body: Buffer = Buffer.from('hello'), extra: string[] = []): Reply {
  const chunks: Buffer[] = [];
  let finish!: () => void;
  const reply = { headers: [] as DecodedHeaders[], body: Buffer.alloc(0), done: new Promise<void>((r) => (finish = r)) } as Reply;
  reply.stream = conn.open([':method', 'POST', ':scheme', 'http', ':path', path, ':authority', `127.0.0.1:${port}`, 'content-type', 'application/grpc', 'te', 'trailers', ...extra], body, {
    onHeaders(headers, endStream) {
      reply.headers.push(headers);
      if (endStream) {
        reply.body = Buffer.concat(chunks);
        finish();
      }
    },
    onData(chunk, endStream) {
      chunks.push(Buffer.from(chunk));
      reply.stream.consumed(chunk.length);
      if (endStream) {
        reply.body = Buffer.concat(chunks);
        finish();
      }
    },
    onError(error) {
      reply.error = error;
      finish();
    },
  });
  return reply;
}

/** echo answers with the request body and trailers, like a unary gRPC call. */
function echo(stream: ServerHttp2Stream, headers: Record<string, unknown>): void {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-path': String(headers[':path']) }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'OK' }));
    stream.end(Buffer.concat(chunks));
  });
}

describe('H2Connection against node:http2', () => {
  it('sends a request and reads headers, body and trailers', async () => {
    onStream = echo;
    const { conn, ready } = connect();
    const reply = request(conn, '/svc/Echo');
    await ready;
    await reply.done;
    expect(reply.error).toBeUndefined();
    expect(reply.headers[0]).toMatchObject({ ':status': '200', 'content-type': 'application/grpc', 'x-path': '/svc/Echo' });
    expect(reply.headers[1]).toMatchObject({ 'grpc-status': '0', 'grpc-message': 'OK' });
    expect(reply.body.toString()).toBe('hello');
  });

  it('reads a trailers-only response', async () => {
    onStream = (stream) => stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'not%20found' }, { endStream: true });
    const { conn } = connect();
    const reply = request(conn, '/svc/Missing');
    await reply.done;
    expect(reply.headers).toHaveLength(1);
    expect(reply.headers[0]).toMatchObject({ 'grpc-status': '5', 'grpc-message': 'not%20found' });
  });

  it('decodes every header value nghttp2 sends, Huffman-coded or not, across CONTINUATION frames', async () => {
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('').trim();
    const high = Array.from({ length: 128 }, (_, i) => String.fromCharCode(128 + i)).join('');
    onStream = (stream) =>
      stream.respond({ ':status': 200, 'x-printable': printable, 'x-high': high, 'x-repeat': 'aaaaaaaaaaaaaaaaaaaa', 'x-large': 'b'.repeat(20_000) }, { endStream: true });
    const { conn } = connect();
    for (let i = 0; i < 3; i++) {
      const reply = request(conn, `/svc/Headers${i}`);
      await reply.done;
      expect(reply.headers[0]['x-printable']).toBe(printable);
      expect(reply.headers[0]['x-high']).toBe(high);
      expect(reply.headers[0]['x-large']).toHaveLength(20_000);
    }
  });

  it('receives a body larger than its stream window by returning window as it consumes', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    onStream = (stream) => {
      stream.respond({ ':status': 200 });
      stream.end(big);
    };
    const { conn } = connect();
    const reply = request(conn, '/svc/Big');
    await reply.done;
    expect(reply.error).toBeUndefined();
    expect(reply.body.equals(big)).toBe(true);
  });

  it('sends a body larger than the server window as the server opens it', async () => {
    onStream = echo;
    const body = Buffer.alloc(300 * 1024, 3);
    const { conn } = connect();
    const reply = request(conn, '/svc/Upload', body);
    await reply.done;
    expect(reply.body.equals(body)).toBe(true);
  });

  it('queues requests above the server concurrency limit', async () => {
    let open = 0;
    let peak = 0;
    onStream = (stream, headers) => {
      open += 1;
      peak = Math.max(peak, open);
      setTimeout(() => {
        open -= 1;
        echo(stream, headers);
      }, 20);
    };
    const { conn } = connect();
    const replies = Array.from({ length: 12 }, (_, i) => request(conn, `/svc/Queued${i}`, Buffer.from(String(i))));
    await Promise.all(replies.map((r) => r.done));
    expect(replies.map((r) => r.body.toString())).toEqual(replies.map((_, i) => String(i)));
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('reports a refused stream as unprocessed and other resets as not', async () => {
    onStream = (stream, headers) => stream.close(headers[':path'] === '/svc/Refused' ? constants.NGHTTP2_REFUSED_STREAM : constants.NGHTTP2_INTERNAL_ERROR);
    const { conn } = connect();
    const refused = request(conn, '/svc/Refused');
    const failed = request(conn, '/svc/Failed');
    await Promise.all([refused.done, failed.done]);
    expect(refused.error).toMatchObject({ code: H2_ERROR.REFUSED_STREAM, unprocessed: true });
    expect(failed.error).toMatchObject({ code: H2_ERROR.INTERNAL_ERROR, unprocessed: false });
  });

  it('fails the streams above a GOAWAY as unprocessed, finishes the others, and stops taking streams', async () => {
    const held: Array<[ServerHttp2Stream, Record<string, unknown>]> = [];
    onStream = (stream, headers, session) => {
      held.push([stream, headers]);
      if (held.length === 3) {
        session.goaway(constants.NGHTTP2_NO_ERROR, held[0][0].id!);
        echo(...held[0]);
      }
    };
    const { conn, closed } = connect();
    const replies = [request(conn, '/svc/A'), request(conn, '/svc/B'), request(conn, '/svc/C')];
    await Promise.all(replies.map((r) => r.done));
    expect(replies[0].body.toString()).toBe('hello');
    expect(replies[1].error?.unprocessed).toBe(true);
    expect(replies[2].error?.unprocessed).toBe(true);
    expect(conn.usable).toBe(false);
    expect(await closed).toBe(false);
  });

  it('answers the server PINGs', async () => {
    onStream = echo;
    const { conn, ready } = connect();
    await Promise.all([ready, request(conn, '/svc/Ping').done]);
    const session = await new Promise<ServerHttp2Session>((resolve) => {
      onStream = (stream, headers, s) => {
        echo(stream, headers);
        resolve(s);
      };
      void request(conn, '/svc/Ping2').done;
    });
    await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
  });

  it('resets a cancelled stream', async () => {
    const aborted = new Promise<number>((resolve) => {
      onStream = (stream) => stream.on('close', () => resolve(stream.rstCode!));
    });
    const { conn } = connect();
    const reply = request(conn, '/svc/Slow');
    await new Promise((r) => setTimeout(r, 50));
    reply.stream.cancel();
    expect(await aborted).toBe(constants.NGHTTP2_CANCEL);
  });

  it('reports a refused connection as a failure to connect, and its requests as unprocessed', async () => {
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const { conn, closed } = connect(closedPort);
    const reply = request(conn, '/svc/Nowhere');
    await reply.done;
    expect(reply.error?.unprocessed).toBe(true);
    expect(await closed).toBe(true);
  });

  it('gives up on a peer that accepts TCP but never speaks HTTP/2', async () => {
    const silent: NetServer = createNetServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { conn, closed } = connect((silent.address() as { port: number }).port, 200);
      const reply = request(conn, '/svc/Silent');
      await reply.done;
      expect(reply.error?.unprocessed).toBe(true);
      expect(await closed).toBe(true);
    } finally {
      silent.close();
    }
  });
});
