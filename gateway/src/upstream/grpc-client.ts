import { status as Code } from '@grpc/grpc-js';
import type { Endpoint, EndpointPool } from './endpoint-pool';
import { H2_ERROR } from './h2-connection';
import { MessageReader } from './message-reader';
import type { DecodedHeaders, StreamError, StreamHandler, UpstreamStream } from './transport';

/** GrpcCall is one call to make: the method path, the encoded request and what to send along. */
export interface GrpcCall {
  /** path is the gRPC method path, for example "/shop.catalog.v1.CatalogService/GetProduct". */
  path: string;
  /** message is the binary request message. */
  message: Uint8Array;
  /** metadata is a flat [name, value, ...] list of extra headers, names in lower case. */
  metadata: readonly string[];
  /** deadline is the epoch ms by which the call must end; it is sent as grpc-timeout. */
  deadline: number;
}

/** GrpcStatus is how a call ended. */
export interface GrpcStatus {
  code: Code;
  /** message is the backend's grpc-message (or the gateway's own text when the call never got an answer). */
  message: string;
  /** details is the raw grpc-status-details-bin (a google.rpc.Status), when sent. */
  details: Buffer | undefined;
  /** fromBackend is false when the gateway produced the status itself (no backend, deadline, transport failure). */
  fromBackend: boolean;
  /** retryAfterMs is the gateway's own hint when no backend could be reached. */
  retryAfterMs?: number;
  /** badGateway is set when the gateway refused what the backend answered (HTTP 502, reason BAD_UPSTREAM_RESPONSE). */
  badGateway?: boolean;
}

/** UnaryResult is a finished unary call: the response message exactly when the status is OK. */
export interface UnaryResult {
  status: GrpcStatus;
  response: Buffer | undefined;
}

/** StreamSink receives a server stream's messages; `ack` hands back flow-control window once the message is dealt with. */
export interface StreamSink {
  onMessage(message: Buffer, ack: () => void): void;
  onEnd(status: GrpcStatus): void;
}

/** CallControl lets the caller cancel a unary call: unary() fills in `cancel`. */
export interface CallControl {
  cancel?: () => void;
}

/** ChannelOptions bound what a channel accepts. */
export interface ChannelOptions {
  /** maxMessageBytes bounds each response message; a larger one fails the call with RESOURCE_EXHAUSTED. */
  maxMessageBytes: number;
  userAgent: string;
}

/** encodeTimeout writes a grpc-timeout value (at most 8 digits) for the milliseconds left. */
export function encodeTimeout(ms: number): string {
  const value = Math.max(1, Math.ceil(ms));
  return value < 100_000_000 ? `${value}m` : `${Math.min(99_999_999, Math.ceil(value / 1000))}S`;
}

/** grpcCodeFromHttp maps a non-200 HTTP status from a backend to a gRPC code (gRPC's http-grpc-status-mapping). */
export function grpcCodeFromHttp(httpStatus: number): Code {
  switch (httpStatus) {
    case 400:
      return Code.INTERNAL;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}

/** codeFromStreamError maps a failed stream as gRPC does (RST_STREAM codes per the gRPC HTTP/2 spec); a lost connection is UNAVAILABLE. */
function codeFromStreamError(error: StreamError): Code {
  if (error.unprocessed || error.connectionLost) return Code.UNAVAILABLE;
  switch (error.code) {
    case H2_ERROR.CANCEL:
      return Code.CANCELLED;
    case H2_ERROR.ENHANCE_YOUR_CALM:
      return Code.RESOURCE_EXHAUSTED;
    default:
      return Code.INTERNAL;
  }
}

function gatewayStatus(code: Code, message: string, retryAfterMs?: number): GrpcStatus {
  return { code, message, details: undefined, fromBackend: false, retryAfterMs };
}

/** badResponse is the status of a call whose backend answered with something that is not a valid gRPC response (HTTP 502). */
function badResponse(message: string): GrpcStatus {
  return { code: Code.INTERNAL, message, details: undefined, fromBackend: false, badGateway: true };
}

/** RETRY_AFTER_MS is the hint sent when a backend connection failed under a call: a new one is opened on the next call. */
const RETRY_AFTER_MS = 1_000;

/** streamFailure is the status of a call whose stream ended without an answer. */
function streamFailure(error: StreamError): GrpcStatus {
  if (error.invalidResponse) return badResponse(error.message);
  const code = codeFromStreamError(error);
  const message = error.unprocessed ? `backend unavailable: ${error.message}` : `backend connection failed: ${error.message}`;
  return gatewayStatus(code, message, code === Code.UNAVAILABLE ? RETRY_AFTER_MS : undefined);
}

/** statusFromTrailers reads grpc-status, grpc-message and grpc-status-details-bin. */
export function statusFromTrailers(headers: DecodedHeaders): GrpcStatus {
  const raw = headers['grpc-status'];
  const code = raw !== undefined && /^\d{1,2}$/.test(raw) && Number(raw) <= 16 ? (Number(raw) as Code) : undefined;
  if (code === undefined) return badResponse('backend sent no valid grpc-status');
  const details = headers['grpc-status-details-bin'];
  return { code, message: decodeGrpcMessage(headers['grpc-message'] ?? ''), details: details ? Buffer.from(details, 'base64') : undefined, fromBackend: true };
}

function decodeGrpcMessage(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** checkResponseHeaders returns the status to fail with when the first HEADERS are not a gRPC response. */
function checkResponseHeaders(headers: DecodedHeaders): GrpcStatus | undefined {
  const raw = headers[':status'];
  if (raw !== '200' && (raw === undefined || !/^[1-5]\d\d$/.test(raw))) return badResponse('backend sent no valid :status');
  const httpStatus = Number(raw);
  if (httpStatus !== 200) return gatewayStatus(grpcCodeFromHttp(httpStatus), `backend answered HTTP ${httpStatus}`);
  const contentType = headers['content-type'];
  if (contentType === undefined || !contentType.startsWith('application/grpc')) return badResponse('backend did not answer with gRPC');
  return undefined;
}

function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/**
 * GrpcChannel makes gRPC calls over an EndpointPool: unary calls and server
 * streams, with the deadline sent as grpc-timeout and enforced locally, and
 * one transparent retry on another endpoint when the request is known not
 * to have been processed (connection refused, GOAWAY, REFUSED_STREAM), the
 * only retry that is safe whatever the method does.
 */
export class GrpcChannel {
  constructor(
    readonly pool: EndpointPool,
    readonly options: ChannelOptions,
  ) {}

  /** unary makes a unary call; it never rejects: failures are statuses. `control.cancel` ends it with CANCELLED. */
  unary(call: GrpcCall, control?: CallControl): Promise<UnaryResult> {
    return new Promise((resolve) => {
      const unary = new UnaryCall(this, call, resolve);
      if (control) control.cancel = () => unary.cancel();
      unary.start(undefined);
    });
  }

  /** serverStream starts a server-streaming call; cancel ends it (the sink then hears nothing more). */
  serverStream(call: GrpcCall, sink: StreamSink): { cancel(): void } {
    const streaming = new StreamingCall(this, call, sink);
    streaming.start(undefined);
    return streaming;
  }

  /** open starts one attempt of a call on the next endpoint, or returns the status to fail with. */
  open(call: GrpcCall, body: Buffer, handler: StreamHandler, avoid: Endpoint | undefined): { stream: UpstreamStream; endpoint: Endpoint } | GrpcStatus {
    const remaining = call.deadline - Date.now();
    if (remaining <= 0) return gatewayStatus(Code.DEADLINE_EXCEEDED, 'deadline exceeded');
    const endpoint = this.pool.pick(avoid);
    if (endpoint === undefined) return gatewayStatus(Code.UNAVAILABLE, 'no backend is reachable', this.pool.retryAfterMs());
    const headers = [
      ':method', 'POST',
      ':scheme', 'http',
      ':path', call.path,
      ':authority', endpoint.authority,
      'content-type', 'application/grpc',
      'te', 'trailers',
      'user-agent', this.options.userAgent,
      'grpc-timeout', encodeTimeout(remaining),
      ...call.metadata,
    ];
    return { stream: this.pool.connection(endpoint).open(headers, body, handler), endpoint };
  }
}

/** UnaryCall is one unary call across its (at most two) attempts. */
class UnaryCall implements StreamHandler {
  private readonly body: Buffer;
  private chunks: Buffer[] = [];
  private size = 0;
  private headersSeen = false;
  private settled = false;
  private retried = false;
  private stream: UpstreamStream | undefined;
  private endpoint: Endpoint | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: GrpcChannel,
    private readonly call: GrpcCall,
    private readonly resolve: (result: UnaryResult) => void,
  ) {
    this.body = frame(call.message);
  }

  start(avoid: Endpoint | undefined): void {
    const opened = this.channel.open(this.call, this.body, this, avoid);
    if (!('stream' in opened)) return this.finish(opened);
    this.stream = opened.stream;
    this.endpoint = opened.endpoint;
    this.timer ??= setTimeout(() => {
      this.stream?.cancel();
      this.finish(gatewayStatus(Code.DEADLINE_EXCEEDED, 'deadline exceeded'));
    }, this.call.deadline - Date.now());
  }

  cancel(): void {
    if (this.settled) return;
    this.stream?.cancel();
    this.finish(gatewayStatus(Code.CANCELLED, 'the client went away'));
  }

  onHeaders(headers: DecodedHeaders, endStream: boolean): void {
    if (this.settled) return;
    if (!this.headersSeen) {
      this.headersSeen = true;
      const bad = checkResponseHeaders(headers);
      if (bad) {
        if (!endStream) this.stream?.cancel();
        return this.finish(bad);
      }
    }
    if (endStream) this.finish(statusFromTrailers(headers));
  }

  onData(chunk: Buffer, endStream: boolean): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.channel.options.maxMessageBytes + 5) {
      this.stream?.cancel();
      return this.finish(gatewayStatus(Code.RESOURCE_EXHAUSTED, 'response message too large'));
    }
    if (chunk.length > 0) this.chunks.push(chunk);
    this.stream?.consumed(chunk.length);
    if (endStream) this.finish(badResponse('backend ended the call without a status'));
  }

  onError(error: StreamError): void {
    if (this.settled) return;
    if (error.unprocessed && !this.retried && !this.headersSeen) {
      this.retried = true;
      return this.start(this.endpoint);
    }
    this.finish(streamFailure(error));
  }

  private finish(status: GrpcStatus): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    if (status.code !== Code.OK) return this.resolve({ status, response: undefined });
    const data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    if (data.length < 5) return this.resolve({ status: badResponse('backend sent no response message'), response: undefined });
    if (data[0] !== 0) return this.resolve({ status: badResponse('backend sent a compressed message'), response: undefined });
    const length = data.readUInt32BE(1);
    if (length !== data.length - 5) return this.resolve({ status: badResponse('backend sent a malformed response'), response: undefined });
    this.resolve({ status, response: data.subarray(5) });
  }
}

/** StreamingCall is one server-streaming call: messages go to the sink as they complete. */
class StreamingCall implements StreamHandler {
  private readonly body: Buffer;
  private readonly reader = new MessageReader();
  /** credited is how many of the reader's held bytes already had their window returned. */
  private credited = 0;
  private headersSeen = false;
  private delivered = false;
  private settled = false;
  private retried = false;
  private stream: UpstreamStream | undefined;
  private endpoint: Endpoint | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: GrpcChannel,
    private readonly call: GrpcCall,
    private readonly sink: StreamSink,
  ) {
    this.body = frame(call.message);
  }

  start(avoid: Endpoint | undefined): void {
    const opened = this.channel.open(this.call, this.body, this, avoid);
    if (!('stream' in opened)) return this.finish(opened);
    this.stream = opened.stream;
    this.endpoint = opened.endpoint;
    this.timer ??= setTimeout(() => {
      this.stream?.cancel();
      this.finish(gatewayStatus(Code.DEADLINE_EXCEEDED, 'deadline exceeded'));
    }, this.call.deadline - Date.now());
  }

  cancel(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.stream?.cancel();
  }

  onHeaders(headers: DecodedHeaders, endStream: boolean): void {
    if (this.settled) return;
    if (!this.headersSeen) {
      this.headersSeen = true;
      const bad = checkResponseHeaders(headers);
      if (bad) {
        if (!endStream) this.stream?.cancel();
        return this.finish(bad);
      }
    }
    if (!endStream) return;
    if (this.reader.buffered > 0) return this.finish(badResponse('backend ended the stream inside a message'));
    this.finish(statusFromTrailers(headers));
  }

  /**
   * onData hands each complete message to the sink, which returns its
   * window when it has written the message on (so a slow REST client slows
   * the backend down). The bytes of a message still arriving have their
   * window returned at once: they are bounded by maxMessageBytes, and a
   * message larger than the stream window could otherwise never complete.
   */
  onData(chunk: Buffer, endStream: boolean): void {
    if (this.settled) return;
    const reader = this.reader;
    reader.append(chunk);
    for (let head = reader.prefix(); head !== undefined; head = reader.prefix()) {
      if (head.compressed !== 0) {
        this.stream?.cancel();
        return this.finish(badResponse('backend sent a compressed message'));
      }
      if (head.length > this.channel.options.maxMessageBytes) {
        this.stream?.cancel();
        return this.finish(gatewayStatus(Code.RESOURCE_EXHAUSTED, 'response message too large'));
      }
      const size = 5 + head.length;
      if (reader.buffered < size) break;
      const message = reader.take(size).subarray(5);
      const early = Math.min(this.credited, size);
      this.credited -= early;
      const owed = size - early;
      this.delivered = true;
      const stream = this.stream;
      this.sink.onMessage(message, () => stream?.consumed(owed));
      if (this.settled) return;
    }
    if (reader.buffered > this.credited) {
      this.stream?.consumed(reader.buffered - this.credited);
      this.credited = reader.buffered;
    }
    if (endStream) this.finish(badResponse('backend ended the call without a status'));
  }

  onError(error: StreamError): void {
    if (this.settled) return;
    if (error.unprocessed && !this.retried && !this.delivered && !this.headersSeen) {
      this.retried = true;
      return this.start(this.endpoint);
    }
    this.finish(streamFailure(error));
  }

  private finish(status: GrpcStatus): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.sink.onEnd(status);
  }
}
