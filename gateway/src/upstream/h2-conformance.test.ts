/**
 * The lean client against a frame-level server (test/support/raw-h2.ts):
 * RFC 9113 rules the client relies on, and isolation: a problem on one
 * stream ends that stream only.
 */
import { FLAG, FRAME, frame, grpcMessage, RawH2Server, settingsPayload, u32, type RawConnection } from '../../test/support/raw-h2';
import { H2Connection, H2_ERROR, type H2Options } from './h2-connection';
import type { DecodedHeaders } from './hpack';
import type { StreamError, UpstreamStream } from './transport';

interface Reply {
  headers: DecodedHeaders[];
  body: Buffer;
  error?: StreamError;
  done: Promise<void>;
  stream: UpstreamStream;
}

const OK_HEADERS = [':status', '200', 'content-type', 'application/grpc'];
const OK_TRAILERS = ['grpc-status', '0'];

let server: RawH2Server;
let respond: (conn: RawConnection, id: number, headers: DecodedHeaders) => void;
const conns: H2Connection[] = [];

beforeAll(async () => {
  server = new RawH2Server((conn, id, headers) => respond(conn, id, headers));
  await server.listen();
});

afterEach(() => {
  for (const c of conns.splice(0)) c.destroy();
});

afterAll(() => server.close());

function connect(options: Partial<H2Options> = {}): { conn: H2Connection; closed: Promise<Error | undefined> } {
  let closed!: (err: Error | undefined) => void;
  const closedP = new Promise<Error | undefined>((r) => (closed = r));
  const conn = new H2Connection(
    { host: '127.0.0.1', port: server.port, connectTimeoutMs: 2_000, events: { onReady: () => undefined, onClose: (_failed, err) => closed(err) } },
    { streamWindow: 1 << 20, connectionWindow: 16 << 20, maxHeaderListSize: 64 * 1024, keepAliveMs: 30_000, ...options },
  );
  conns.push(conn);
  return { conn, closed: closedP };
}

function request(conn: H2Connection, path: string): Reply {
  const chunks: Buffer[] = [];
  let finish!: () => void;
  const reply = { headers: [] as DecodedHeaders[], body: Buffer.alloc(0), done: new Promise<void>((r) => (finish = r)) } as Reply;
  const end = () => {
    reply.body = Buffer.concat(chunks);
    finish();
  };
  reply.stream = conn.open([':method', 'POST', ':scheme', 'http', ':path', path, ':authority', 'test', 'content-type', 'application/grpc', 'te', 'trailers'], grpcMessage(Buffer.from('hi')), {
    onHeaders(headers, endStream) {
      reply.headers.push(headers);
      if (endStream) end();
    },
    onData(chunk, endStream) {
      chunks.push(Buffer.from(chunk));
      reply.stream.consumed(chunk.length);
      if (endStream) end();
    },
    onError(error) {
      reply.error = error;
      finish();
    },
  });
  return reply;
}

/** ok answers a request with headers, a small message and OK trailers. */
function ok(conn: RawConnection, id: number): void {
  conn.write(Buffer.concat([conn.headers(id, OK_HEADERS, 0), frame(FRAME.DATA, 0, id, grpcMessage(Buffer.from('fine'))), conn.headers(id, OK_TRAILERS, FLAG.END_STREAM)]));
}

/** fragments splits a header block into HEADERS + CONTINUATION frames of at most 16 KiB. */
function fragments(id: number, block: Buffer, endStream: boolean): Buffer {
  const out: Buffer[] = [];
  for (let offset = 0; offset < block.length; offset += 16_384) {
    const part = block.subarray(offset, offset + 16_384);
    const last = offset + 16_384 >= block.length;
    const flags = (last ? FLAG.END_HEADERS : 0) | (offset === 0 && endStream ? FLAG.END_STREAM : 0);
    out.push(frame(offset === 0 ? FRAME.HEADERS : FRAME.CONTINUATION, flags, id, part));
  }
  return Buffer.concat(out);
}

const goAwayCode = (conn: RawConnection) => {
  const goaway = conn.received.find((f) => f.type === FRAME.GOAWAY);
  return goaway === undefined ? undefined : goaway.payload.readUInt32BE(4);
};

const lastConnection = () => server.connections[server.connections.length - 1];

describe('isolation: an oversized header block fails its stream only', () => {
  it.each([
    ['between 64 and 128 KiB', 90_000],
    ['over 128 KiB (68 KB message and 140 KB details)', 260_000],
  ])('trailers %s: that stream gets a bad-response error, HPACK stays in step, the connection goes on', async (_name, size) => {
    respond = (conn, id, headers) => {
      if (headers[':path'] === '/big') {
        // The indexed header after the big ones only stays in step if the block is decoded to its end.
        const block = conn.encoder.encode(['grpc-status', '3', 'grpc-message', 'm'.repeat(size / 4), 'grpc-status-details-bin', 'd'.repeat((size * 3) / 4), 'x-after', 'kept'], (name) =>
          name === 'x-after' ? 'index' : 'literal',
        );
        conn.write(Buffer.concat([conn.headers(id, OK_HEADERS, 0), fragments(id, block, true)]));
      } else if (headers[':path'] === '/slow') {
        setTimeout(() => ok(conn, id), 100);
      } else {
        conn.write(Buffer.concat([conn.headers(id, [...OK_HEADERS, 'x-after', 'kept'], 0, (name) => (name === 'x-after' ? 'index' : 'literal')), conn.headers(id, OK_TRAILERS, FLAG.END_STREAM)]));
      }
    };
    const { conn } = connect();
    const slow = request(conn, '/slow');
    const big = request(conn, '/big');
    await big.done;
    expect(big.error).toMatchObject({ invalidResponse: true, unprocessed: false });
    expect(big.error!.message).toMatch(/trailers are over the 65536-byte limit/);
    await slow.done;
    expect(slow.error).toBeUndefined();
    expect(slow.headers[1]).toMatchObject({ 'grpc-status': '0' });
    // The next block refers to the entry the big block added: the decoder kept in step.
    const after = request(conn, '/after');
    await after.done;
    expect(after.error).toBeUndefined();
    expect(after.headers[0]).toMatchObject({ ':status': '200', 'x-after': 'kept' });
    expect(conn.usable).toBe(true);
    // The server already ended the stream: no RST_STREAM for it, and no GOAWAY.
    expect(goAwayCode(lastConnection())).toBeUndefined();
  });

  it('ends a connection whose header block never ends (endless CONTINUATION) with ENHANCE_YOUR_CALM', async () => {
    respond = (conn, id) => {
      conn.write(frame(FRAME.HEADERS, 0, id, conn.encoder.encode(OK_HEADERS, () => 'literal')));
      const chunk = frame(FRAME.CONTINUATION, 0, id, Buffer.alloc(16_384, 0x40));
      for (let i = 0; i < 80; i++) conn.write(chunk);
    };
    const { conn, closed } = connect();
    const reply = request(conn, '/endless');
    await reply.done;
    expect(reply.error).toBeDefined();
    await closed;
    await lastConnection().closed;
    expect(goAwayCode(lastConnection())).toBe(H2_ERROR.ENHANCE_YOUR_CALM);
  });
});

describe('flow control (RFC 9113, 5.2 and 6.9)', () => {
  it('returns the window of padding, so a padded response larger than the window completes', async () => {
    // Mostly padding: without its window back, the server runs out of window before half of it is data.
    const dataPerFrame = 200;
    const total = 1 << 20;
    respond = (conn, id) => {
      conn.write(conn.headers(id, OK_HEADERS, 0));
      const body = grpcMessage(Buffer.alloc(total - 5, 7));
      const granted = 1 << 20;
      let offset = 0;
      let sent = 0;
      const pump = () => {
        while (offset < body.length) {
          const part = body.subarray(offset, offset + dataPerFrame);
          const padLength = 255;
          const payloadLength = 1 + part.length + padLength;
          if (sent + payloadLength > granted + conn.credit(id)) return void conn.changed().then(pump);
          conn.write(frame(FRAME.DATA, FLAG.PADDED, id, Buffer.concat([Buffer.from([padLength]), part, Buffer.alloc(padLength)])));
          sent += payloadLength;
          offset += part.length;
        }
        conn.write(conn.headers(id, OK_TRAILERS, FLAG.END_STREAM));
      };
      pump();
    };
    const { conn } = connect();
    const reply = request(conn, '/padded');
    await reply.done;
    expect(reply.error).toBeUndefined();
    expect(reply.body.length).toBe(total);
  });

  it('resets a stream whose DATA goes past the window it was given, and only that stream', async () => {
    respond = (conn, id, headers) => {
      if (headers[':path'] !== '/flood') return ok(conn, id);
      conn.write(conn.headers(id, OK_HEADERS, 0));
      // 1 MiB + 16 KiB without waiting for any WINDOW_UPDATE.
      for (let i = 0; i < 65; i++) conn.write(frame(FRAME.DATA, 0, id, Buffer.alloc(16_384)));
    };
    const { conn } = connect();
    const flood = request(conn, '/flood');
    // No consumer returns window on this one.
    flood.stream.consumed = () => undefined;
    await flood.done;
    expect(flood.error).toMatchObject({ code: H2_ERROR.FLOW_CONTROL_ERROR, invalidResponse: true });
    await lastConnection().until(() => lastConnection().received.some((f) => f.type === FRAME.RST_STREAM));
    const rst = lastConnection().received.find((f) => f.type === FRAME.RST_STREAM);
    expect(rst?.payload.readUInt32BE(0)).toBe(H2_ERROR.FLOW_CONTROL_ERROR);
    const other = request(conn, '/other');
    await other.done;
    expect(other.error).toBeUndefined();
    expect(conn.usable).toBe(true);
  });
});

describe('frame rules', () => {
  const connectionErrors: Array<[string, (conn: RawConnection, id: number) => void, number]> = [
    ['a SETTINGS ACK with a payload', (conn) => conn.write(frame(FRAME.SETTINGS, FLAG.ACK, 0, Buffer.alloc(6))), H2_ERROR.FRAME_SIZE_ERROR],
    ['SETTINGS_ENABLE_PUSH = 1 from a server', (conn) => conn.write(frame(FRAME.SETTINGS, 0, 0, settingsPayload([[0x2, 1]]))), H2_ERROR.PROTOCOL_ERROR],
    ['HEADERS on a stream the client never opened', (conn) => conn.write(conn.headers(99, OK_HEADERS, 0)), H2_ERROR.PROTOCOL_ERROR],
    ['DATA on an even (server) stream', (conn) => conn.write(frame(FRAME.DATA, 0, 2, Buffer.alloc(1))), H2_ERROR.PROTOCOL_ERROR],
    ['a PUSH_PROMISE', (conn, id) => conn.write(frame(FRAME.PUSH_PROMISE, FLAG.END_HEADERS, id, u32(2))), H2_ERROR.PROTOCOL_ERROR],
    ['a PING on a stream', (conn, id) => conn.write(frame(FRAME.PING, 0, id, Buffer.alloc(8))), H2_ERROR.PROTOCOL_ERROR],
    ['RST_STREAM on stream 0', (conn) => conn.write(frame(FRAME.RST_STREAM, 0, 0, u32(0))), H2_ERROR.PROTOCOL_ERROR],
    ['HEADERS with PRIORITY too short for its fields', (conn, id) => conn.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.PRIORITY, id, Buffer.alloc(3))), H2_ERROR.FRAME_SIZE_ERROR],
    ['padding longer than the frame', (conn, id) => conn.write(frame(FRAME.DATA, FLAG.PADDED, id, Buffer.from([9, 1, 2]))), H2_ERROR.PROTOCOL_ERROR],
    ['a connection WINDOW_UPDATE past 2^31-1', (conn) => conn.write(frame(FRAME.WINDOW_UPDATE, 0, 0, u32(0x7fffffff))), H2_ERROR.FLOW_CONTROL_ERROR],
    ['a frame over the 16 KiB the client allows', (conn, id) => conn.write(frame(FRAME.DATA, 0, id, Buffer.alloc(16_385))), H2_ERROR.FRAME_SIZE_ERROR],
  ];

  it.each(connectionErrors)('ends the connection with GOAWAY on %s', async (_name, misbehave, code) => {
    respond = (conn, id) => misbehave(conn, id);
    const { conn, closed } = connect();
    const reply = request(conn, '/x');
    await reply.done;
    await closed;
    await lastConnection().closed;
    expect(reply.error).toBeDefined();
    expect(goAwayCode(lastConnection())).toBe(code);
  });

  it('counts a PING answered with other data as unanswered (keepalive)', async () => {
    respond = (conn) => {
      conn.socket.on('data', () => undefined);
      const answer = () =>
        conn.changed().then(() => {
          const ping = [...conn.received].reverse().find((f) => f.type === FRAME.PING && !(f.flags & FLAG.ACK));
          if (ping) conn.write(frame(FRAME.PING, FLAG.ACK, 0, Buffer.alloc(8, 0xee)));
          if (!conn.socket.destroyed) void answer();
        });
      void answer();
    };
    const { conn, closed } = connect({ keepAliveMs: 100 });
    const reply = request(conn, '/hang');
    const err = await closed;
    await reply.done;
    expect(err?.message).toMatch(/keepalive PING unanswered/);
  });

  it('keeps a connection whose PINGs are answered with their own data', async () => {
    respond = (conn, id) => {
      const answer = () =>
        conn.changed().then(() => {
          const ping = [...conn.received].reverse().find((f) => f.type === FRAME.PING && !(f.flags & FLAG.ACK));
          if (ping) conn.write(frame(FRAME.PING, FLAG.ACK, 0, ping.payload));
          if (!conn.socket.destroyed) void answer();
        });
      void answer();
      setTimeout(() => ok(conn, id), 700);
    };
    const { conn } = connect({ keepAliveMs: 100 });
    const reply = request(conn, '/slow-but-alive');
    await reply.done;
    expect(reply.error).toBeUndefined();
    expect(lastConnection().received.filter((f) => f.type === FRAME.PING).length).toBeGreaterThan(0);
  });
});
