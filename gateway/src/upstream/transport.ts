import type { DecodedHeaders } from './hpack';

/** DecodedHeaders are response headers or trailers as the transports hand them over. */
export type { DecodedHeaders } from './hpack';

/** StreamError says why an HTTP/2 stream ended without a complete response. */
export interface StreamError {
  /** code is the HTTP/2 error code (RST_STREAM, GOAWAY), or INTERNAL_ERROR for a lost connection. */
  code: number;
  message: string;
  /**
   * unprocessed is true when the server is known not to have seen the
   * request (refused stream, above a GOAWAY's last stream id, never sent):
   * it may then be sent again elsewhere whatever its side effects.
   */
  unprocessed: boolean;
  /**
   * invalidResponse is true when this client refused what the backend sent
   * on this stream (headers or trailers over the advertised limit, DATA past
   * the window, a frame out of order): the backend's fault, answered as 502.
   * The connection and its other streams go on.
   */
  invalidResponse?: boolean;
  /** connectionLost is true when the connection under the stream failed (socket loss, connection error), not the stream itself. */
  connectionLost?: boolean;
}

/** StreamHandler receives what happens on one request's stream, in order; after onError or an endStream nothing more arrives. */
export interface StreamHandler {
  /** onHeaders receives the response headers, or the trailers when endStream is true (also for a trailers-only response). */
  onHeaders(headers: DecodedHeaders, endStream: boolean): void;
  onData(chunk: Buffer, endStream: boolean): void;
  onError(error: StreamError): void;
}

/** UpstreamStream is an open request the caller can cancel or acknowledge. */
export interface UpstreamStream {
  /** cancel resets the stream (RST_STREAM CANCEL); the handler hears nothing more. */
  cancel(): void;
  /** consumed returns receive window for bytes the caller has processed, so the server may send more. */
  consumed(bytes: number): void;
}

/** UpstreamConnection is one HTTP/2 connection to one backend address. */
export interface UpstreamConnection {
  /** usable is true while the connection takes new streams (connecting or open, not draining or closed). */
  readonly usable: boolean;
  readonly activeStreams: number;
  /**
   * open starts a request. `headers` is a flat [name, value, ...] list with
   * the pseudo-headers first; `body` is sent whole, then the stream is ended.
   */
  open(headers: readonly string[], body: Buffer, handler: StreamHandler): UpstreamStream;
  /** close takes no new streams and ends the connection once the open ones finish. */
  close(): void;
  /** destroy ends the connection now; open streams fail. */
  destroy(): void;
}

/** ConnectionEvents tell the pool what became of a connection. */
export interface ConnectionEvents {
  /** onReady: the handshake finished, the backend is reachable. */
  onReady(): void;
  /** onClose: the connection is gone; `failedToConnect` when it never became ready. */
  onClose(failedToConnect: boolean, error?: Error): void;
}

/** ConnectOptions are what a transport needs to open a connection. */
export interface ConnectOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  events: ConnectionEvents;
}

/** Transport opens connections: the lean client (h2-connection.ts) or node:http2 (node-http2-transport.ts). */
export interface Transport {
  readonly name: string;
  connect(options: ConnectOptions): UpstreamConnection;
}
