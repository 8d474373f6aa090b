/**
 * A frame-level HTTP/2 server for tests: it speaks just enough HTTP/2 to
 * accept a client (preface, SETTINGS, request HEADERS) and then lets a test
 * write any frames it likes, well-formed or hostile, and watch what the
 * client sends back (RST_STREAM, GOAWAY, WINDOW_UPDATE, PING).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { HpackDecoder, HpackEncoder, type DecodedHeaders, type HeaderIndexing } from '../../src/upstream/hpack';

export const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** frame writes one HTTP/2 frame. */
export function frame(type: number, flags: number, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(id >>> 0, 5);
  return Buffer.concat([head, payload]);
}

export const u32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
};

/** settings writes a SETTINGS payload from [id, value] pairs. */
export function settingsPayload(pairs: ReadonlyArray<readonly [number, number]>): Buffer {
  const b = Buffer.alloc(6 * pairs.length);
  pairs.forEach(([id, value], i) => {
    b.writeUInt16BE(id, i * 6);
    b.writeUInt32BE(value >>> 0, i * 6 + 2);
  });
  return b;
}

/** grpcMessage frames one gRPC message (uncompressed). */
export function grpcMessage(body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** ReceivedFrame is a frame the client sent. */
export interface ReceivedFrame {
  type: number;
  flags: number;
  id: number;
  payload: Buffer;
}

const PREFACE_LENGTH = 24;

/** RawConnection is the server side of one client connection. */
export class RawConnection {
  readonly received: ReceivedFrame[] = [];
  readonly encoder = new HpackEncoder();
  private readonly decoder: HpackDecoder;
  private buf = Buffer.alloc(0);
  private prefaceSeen = false;
  /** streamWindows are the client's stream windows as its WINDOW_UPDATEs raise them (from its initial 1 MiB). */
  readonly credits = new Map<number, number>();
  private waiters: Array<() => void> = [];
  /** closed resolves when the client's socket is gone (every frame it sent has been read). */
  readonly closed: Promise<void>;

  /** bodies collect each stream's request DATA. */
  readonly bodies = new Map<number, Buffer[]>();

  constructor(
    readonly socket: Socket,
    private readonly onRequest: (conn: RawConnection, id: number, headers: DecodedHeaders) => void,
    settings: Buffer = Buffer.alloc(0),
    headerTableSize = 4096,
  ) {
    this.decoder = new HpackDecoder(headerTableSize, 1 << 20);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.write(frame(FRAME.SETTINGS, 0, 0, settings));
  }

  /** body is what the client has sent on a stream so far. */
  body(id: number): Buffer {
    return Buffer.concat(this.bodies.get(id) ?? []);
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** headers encodes a header list with this connection's HPACK encoder (all names indexed when they fit). */
  headers(id: number, list: readonly string[], flags: number, indexing: (name: string) => HeaderIndexing = () => 'literal'): Buffer {
    return frame(FRAME.HEADERS, flags | FLAG.END_HEADERS, id, this.encoder.encode(list, indexing));
  }

  /** credit is how many bytes the client has granted on a stream by WINDOW_UPDATE so far. */
  credit(id: number): number {
    return this.credits.get(id) ?? 0;
  }

  /** until resolves once `test` holds for the frames received (checked at each frame), or rejects after `ms`. */
  async until(test: () => boolean, ms = 2_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (Date.now() > deadline || this.socket.destroyed) {
        if (test()) return;
        throw new Error('the client did not send the expected frame');
      }
      await Promise.race([this.changed(), new Promise((r) => setTimeout(r, 20))]);
    }
  }

  /** changed resolves at the client's next frame. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (!this.prefaceSeen) {
      if (this.buf.length < PREFACE_LENGTH) return;
      this.buf = this.buf.subarray(PREFACE_LENGTH);
      this.prefaceSeen = true;
    }
    while (this.buf.length >= 9) {
      const length = this.buf.readUIntBE(0, 3);
      if (this.buf.length < 9 + length) return;
      const f: ReceivedFrame = { type: this.buf[3], flags: this.buf[4], id: this.buf.readUInt32BE(5) & 0x7fffffff, payload: Buffer.from(this.buf.subarray(9, 9 + length)) };
      this.buf = this.buf.subarray(9 + length);
      this.received.push(f);
      if (f.type === FRAME.SETTINGS && !(f.flags & FLAG.ACK)) this.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
      if (f.type === FRAME.WINDOW_UPDATE) this.credits.set(f.id, this.credit(f.id) + f.payload.readUInt32BE(0));
      if (f.type === FRAME.DATA && f.payload.length > 0) {
        this.bodies.set(f.id, [...(this.bodies.get(f.id) ?? []), f.payload]);
        // Window back for what was read, as a server would.
        this.write(Buffer.concat([frame(FRAME.WINDOW_UPDATE, 0, 0, u32(f.payload.length)), frame(FRAME.WINDOW_UPDATE, 0, f.id, u32(f.payload.length))]));
      }
      if (f.type === FRAME.HEADERS) this.onRequest(this, f.id, this.decoder.decode(f.payload));
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }
}

/** RawH2Server accepts connections and hands each request's stream id to `onRequest`. */
export class RawH2Server {
  readonly connections: RawConnection[] = [];
  private readonly server: Server;
  port = 0;

  /** settings is the SETTINGS payload each new connection opens with; headerTableSize bounds the decoder's table. */
  settings: Buffer = Buffer.alloc(0);
  headerTableSize = 4096;

  constructor(onRequest: (conn: RawConnection, id: number, headers: DecodedHeaders) => void) {
    this.server = createServer((socket) => {
      socket.setNoDelay(true);
      this.connections.push(new RawConnection(socket, onRequest, this.settings, this.headerTableSize));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
