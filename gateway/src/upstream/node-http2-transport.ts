import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { H2_ERROR, MAX_HEADER_LIST_SIZE } from './h2-connection';
import type { DecodedHeaders } from './hpack';
import type { ConnectOptions, StreamHandler, Transport, UpstreamConnection, UpstreamStream } from './transport';

/**
 * NodeHttp2Connection is the same connection contract over node:http2. It
 * is the fallback (UPSTREAM_TRANSPORT=node-http2) and the baseline the
 * benchmark measures the lean client against; it costs several times the
 * CPU per call (BENCHMARKS.md).
 */
class NodeHttp2Connection implements UpstreamConnection {
  private readonly session: ClientHttp2Session;
  private streams = 0;
  private ready = false;
  private goingAway = false;

  constructor(options: ConnectOptions) {
    const { host, port, connectTimeoutMs, events } = options;
    this.session = connect(`http://${host.includes(':') ? `[${host}]` : host}:${port}`, {
      // The same limits the lean client advertises (h2-connection.ts), so both refuse the same responses.
      settings: { enablePush: false, initialWindowSize: 1 << 20, maxHeaderListSize: MAX_HEADER_LIST_SIZE },
    });
    const timer = setTimeout(() => this.session.destroy(new Error(`connect timeout after ${connectTimeoutMs} ms`)), connectTimeoutMs);
    timer.unref();
    this.session.once('connect', () => {
      clearTimeout(timer);
      this.ready = true;
      this.session.setLocalWindowSize(16 << 20);
      events.onReady();
    });
    this.session.on('goaway', () => {
      this.goingAway = true;
    });
    let lastError: Error | undefined;
    this.session.on('error', (err) => {
      lastError = err;
    });
    this.session.once('close', () => {
      clearTimeout(timer);
      events.onClose(!this.ready, lastError);
    });
  }

  get usable(): boolean {
    return !this.goingAway && !this.session.closed && !this.session.destroyed;
  }

  get activeStreams(): number {
    return this.streams;
  }

  open(headers: readonly string[], body: Buffer, handler: StreamHandler): UpstreamStream {
    const outgoing: OutgoingHttpHeaders = {};
    for (let i = 0; i < headers.length; i += 2) outgoing[headers[i]] = headers[i + 1];
    let finished = false;
    const finish = () => {
      if (finished) return false;
      finished = true;
      this.streams -= 1;
      return true;
    };
    this.streams += 1;
    let request;
    try {
      request = this.session.request(outgoing, { endStream: false });
    } catch (err) {
      finish();
      queueMicrotask(() => handler.onError({ code: H2_ERROR.REFUSED_STREAM, message: String(err), unprocessed: true }));
      return { cancel: () => undefined, consumed: () => undefined };
    }
    request.on('response', (responseHeaders, flags) => {
      const endStream = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      if (endStream && !finish()) return;
      handler.onHeaders(toDecoded(responseHeaders), endStream);
    });
    request.on('data', (chunk: Buffer) => {
      if (!finished) handler.onData(chunk, false);
    });
    request.on('trailers', (trailers) => {
      if (finish()) handler.onHeaders(toDecoded(trailers), true);
    });
    request.on('end', () => {
      // A stream that ends with DATA rather than trailers.
      if (finish()) handler.onData(Buffer.alloc(0), true);
    });
    let responded = false;
    request.on('response', () => (responded = true));
    request.on('close', () => {
      if (!finish()) return;
      const code = request.rstCode ?? H2_ERROR.INTERNAL_ERROR;
      // nghttp2 ends a stream whose headers or trailers are over maxHeaderListSize with
      // FRAME_SIZE_ERROR, or closes it without its trailers (code 0): the backend's fault.
      if (code === H2_ERROR.FRAME_SIZE_ERROR || (code === H2_ERROR.NO_ERROR && responded)) {
        handler.onError({ code, message: `the backend's response is over the ${MAX_HEADER_LIST_SIZE}-byte header limit or incomplete`, unprocessed: false, invalidResponse: true });
        return;
      }
      if (code === H2_ERROR.REFUSED_STREAM && !this.goingAway) {
        // nghttp2 refuses new streams once it has sent a GOAWAY of its own (it
        // does, with COMPRESSION_ERROR, for a header block over the limit) and
        // tells nobody; the stream that carried that block never closes. End
        // the session, so its streams fail now and the pool opens a new one.
        this.goingAway = true;
        setImmediate(() => this.session.destroy());
      }
      // A session that never connected sent nothing: safe to send elsewhere.
      const connectionLost = this.session.destroyed || this.session.closed;
      handler.onError({ code, message: `stream closed (code ${code})`, unprocessed: !this.ready || code === H2_ERROR.REFUSED_STREAM, connectionLost });
    });
    request.on('error', () => undefined);
    request.end(body);
    return {
      cancel: () => {
        if (finish()) request.close(constants.NGHTTP2_CANCEL);
      },
      // node:http2 returns window as it reads; there is nothing to acknowledge.
      consumed: () => undefined,
    };
  }

  close(): void {
    this.goingAway = true;
    this.session.close();
  }

  destroy(): void {
    this.session.destroy();
  }
}

function toDecoded(headers: IncomingHttpHeaders): DecodedHeaders {
  const out: DecodedHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** createNodeHttp2Transport opens connections with node:http2. */
export function createNodeHttp2Transport(): Transport {
  return { name: 'node-http2', connect: (options) => new NodeHttp2Connection(options) };
}
