import { isRequestId, newRequestId } from '@shop/kit';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { status as Code } from '@grpc/grpc-js';
import { isSpanContextValid, SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { challengeFor, type ErrorRenderer, type ErrorResponse } from '../errors/error-body';
import { GatewayError, invalidArgument } from '../errors/gateway-error';
import type { RouteMetrics, GatewayMetrics } from '../ops/metrics';
import { PathError, type Router } from '../routing/router';
import type { Route } from '../routing/routes';
import type { Authenticator } from '../security/auth';
import { clientIp } from '../security/client-ip';
import type { Cors } from '../security/cors';
import { isJsonContentType, parseGrpcTimeout, readBody, unsupportedMediaType } from '../security/limits';
import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from '../security/rate-limit';
import * as frames from '../streaming/stream-format';
import type { JsonCodec } from '../transcode/binary-to-json';
import type { RequestBuilder } from '../transcode/request';
import { responseJson } from '../transcode/response';
import type { CallControl, GrpcCall, GrpcChannel, GrpcStatus } from '../upstream/grpc-client';
import { sendError, sendJson, type Headers } from './respond';
import { extractParent, traceHeaders } from './trace-context';

/** HandlerSettings are the limits and timeouts the request handler applies. */
export interface HandlerSettings {
  maxBodyBytes: number;
  requestTimeoutMs: number;
  /** maxRequestTimeoutMs bounds a client's grpc-timeout on unary routes. */
  maxRequestTimeoutMs: number;
  /** streamTimeoutMs is the deadline of a server stream, and the bound on a client's grpc-timeout for one. */
  streamTimeoutMs: number;
  trustedProxies: number;
  heartbeatMs: number;
  rateLimit: { ip?: RateLimitPolicy; user?: RateLimitPolicy };
}

/** OpsHandler serves one of the gateway's own paths (/healthz, /metrics, ...). */
export type OpsHandler = (req: IncomingMessage, res: ServerResponse, headers: Headers) => void | Promise<void>;

/** InFlight tracks open requests and streams, for graceful shutdown. */
export interface InFlight {
  enter(): void;
  leave(): void;
  /** stream registers a running stream's closer; the returned function unregisters it. */
  stream(close: () => void): () => void;
}

/** HandlerDeps are everything the request handler uses; create-gateway.ts builds them. */
export interface HandlerDeps {
  router: Router<Route>;
  requests: RequestBuilder;
  codec: JsonCodec;
  errors: ErrorRenderer;
  channelFor(route: Route): GrpcChannel;
  auth: Authenticator;
  limiter: RateLimiter;
  cors: Cors;
  metrics: GatewayMetrics;
  log: Logger;
  tracer: Tracer;
  ops: ReadonlyMap<string, OpsHandler>;
  settings: HandlerSettings;
  draining(): boolean;
  inFlight: InFlight;
}

const SERVER_SPAN = { kind: SpanKind.SERVER };

/** Exchange is one request being served: what every step reads and the response headers so far. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  route: Route;
  values: string[];
  query: string;
  requestId: string;
  headers: Headers;
  started: number;
  span: Span;
  metrics: RouteMetrics;
  finished: boolean;
}

/**
 * exchangeLog is what each log line about a request carries: its request
 * id, route, and the ids of its trace (under the names the services' lines
 * use), so one request can be followed from the gateway into the backends.
 * The gateway keeps no active span in AsyncLocalStorage for the logger's
 * mixin to find (see main.ts), so the ids are added here.
 */
function exchangeLog(ex: Exchange): Record<string, string> {
  const trace = ex.span.spanContext();
  if (!isSpanContextValid(trace)) return { requestId: ex.requestId, route: ex.route.id };
  return { requestId: ex.requestId, route: ex.route.id, trace_id: trace.traceId, span_id: trace.spanId };
}

/**
 * createHandler returns the node:http request listener. Each request goes
 * through the same steps, cheapest refusals first: the gateway's own paths;
 * CORS preflight; the route (404, 405); the per-IP bucket; the bearer token
 * (by the route's declared access); the per-user bucket; the deadline; the
 * body (415, 413, JSON depth); the request message (400); the gRPC call;
 * the response or the error, always JSON. The whole way only the headers
 * the gateway chose go upstream: authorization, x-request-id and the trace
 * context. Nothing else a client sends, x-shop-service-token included, ever
 * reaches a service.
 */
export function createHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { settings, errors, log } = deps;
  const routeMetrics = new Map<Route, RouteMetrics>();
  const metricsOf = (route: Route): RouteMetrics => {
    let metrics = routeMetrics.get(route);
    if (metrics === undefined) {
      metrics = deps.metrics.forRoute(route.template.source, route.httpMethod, route.rpc.path, route.streaming);
      routeMetrics.set(route, metrics);
    }
    return metrics;
  };

  function finish(ex: Exchange, status: number): void {
    if (ex.finished) return;
    ex.finished = true;
    const seconds = (performance.now() - ex.started) / 1000;
    ex.metrics.handled(status, seconds);
    if (ex.span.isRecording()) {
      ex.span.setAttribute('http.response.status_code', status);
      if (status >= 500) ex.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    ex.span.end();
    if (log.isLevelEnabled('debug')) log.debug({ ...exchangeLog(ex), status, ms: Math.round(seconds * 1000) }, 'request');
  }

  function answerError(ex: Exchange, error: ErrorResponse): void {
    sendError(ex.res, ex.headers, error);
    finish(ex, error.status);
  }

  function fail(ex: Exchange, err: unknown): void {
    if (ex.res.headersSent) {
      ex.res.destroy();
      finish(ex, 500);
      return;
    }
    if (err instanceof GatewayError) {
      if (err.httpStatus === 413) ex.headers.push('connection', 'close');
      return answerError(ex, errors.fromGatewayError(err, ex.requestId));
    }
    log.error({ err, ...exchangeLog(ex) }, 'request failed inside the gateway');
    answerError(ex, errors.internal(ex.requestId));
  }

  function rateLimited(decision: RateLimitDecision, scope: 'ip' | 'user'): GatewayError {
    deps.metrics.rateLimited(scope);
    return new GatewayError(Code.RESOURCE_EXHAUSTED, 'RATE_LIMITED', scope === 'ip' ? 'too many requests from this address' : 'too many requests from this user', {
      retryAfterMs: decision.retryAfterMs,
    });
  }

  function rateHeaders(ex: Exchange, decision: RateLimitDecision): void {
    ex.headers.push('ratelimit-limit', String(decision.limit), 'ratelimit-remaining', String(decision.remaining), 'ratelimit-reset', String(Math.ceil(decision.resetMs / 1000)));
  }

  /** serve runs one routed request to its end; it never rejects. */
  async function serve(ex: Exchange): Promise<void> {
    deps.metrics.opened();
    deps.inFlight.enter();
    try {
      await exchange(ex);
    } catch (err) {
      fail(ex, err);
    } finally {
      deps.metrics.closed();
      deps.inFlight.leave();
    }
  }

  async function exchange(ex: Exchange): Promise<void> {
    const { req, route } = ex;
    let tightest: RateLimitDecision | undefined;
    const ip = clientIp(req, settings.trustedProxies);
    if (settings.rateLimit.ip) {
      let decision = deps.limiter.take(`ip:${ip}`, settings.rateLimit.ip);
      if (decision instanceof Promise) decision = await decision;
      rateHeaders(ex, decision);
      if (!decision.allowed) throw rateLimited(decision, 'ip');
      tightest = decision;
    }
    const authorization = req.headers.authorization;
    // node:http keeps the first of several Authorization headers and drops the rest: refuse the ambiguity.
    if (authorization !== undefined && countHeader(req.rawHeaders, 'authorization') > 1) {
      throw new GatewayError(Code.UNAUTHENTICATED, 'UNAUTHENTICATED', 'more than one authorization header');
    }
    let auth = deps.auth.authenticate(authorization, route.access);
    if (auth instanceof Promise) auth = await auth;
    if (auth.user !== undefined && settings.rateLimit.user) {
      let decision = deps.limiter.take(`user:${auth.user.userId}`, settings.rateLimit.user);
      if (decision instanceof Promise) decision = await decision;
      if (tightest === undefined || decision.remaining < tightest.remaining || !decision.allowed) {
        if (tightest !== undefined) ex.headers.splice(ex.headers.indexOf('ratelimit-limit'), 6);
        rateHeaders(ex, decision);
      }
      if (!decision.allowed) throw rateLimited(decision, 'user');
    }

    const timeoutHeader = headerValue(req.headers['grpc-timeout']);
    const cap = route.streaming ? settings.streamTimeoutMs : settings.maxRequestTimeoutMs;
    const timeoutMs = timeoutHeader === undefined ? (route.streaming ? settings.streamTimeoutMs : settings.requestTimeoutMs) : Math.min(parseGrpcTimeout(timeoutHeader), cap);
    const deadline = Date.now() + timeoutMs;

    let body: string | undefined;
    if (hasBody(req)) {
      // A body the contract does not bind (GET, DELETE) would be dropped unread: say so instead.
      if (route.body === '') throw invalidArgument(`${route.httpMethod} ${route.template.source} takes no request body; send its fields in the path and query string`);
      if (!isJsonContentType(req.headers['content-type'])) throw unsupportedMediaType();
      body = await readBody(req, settings.maxBodyBytes);
    }
    const message = deps.requests.build(route, { values: ex.values, query: ex.query, body });

    // The client's address as the gateway sees it (after its trusted proxies), never the client's own header:
    // services throttle by it (login), as grpc-gateway forwards it too.
    const metadata = ['x-request-id', ex.requestId, 'x-forwarded-for', ip];
    if (auth.authorization !== undefined) metadata.push('authorization', auth.authorization);
    traceHeaders(ex.span, req.headers, metadata);

    const call: GrpcCall = { path: route.rpc.path, message, metadata, deadline };
    const channel = deps.channelFor(route);
    if (route.streaming) return stream(ex, channel, call);

    const control: CallControl = {};
    ex.res.once('close', () => {
      if (!ex.res.writableEnded) control.cancel?.();
    });
    const upstreamStarted = performance.now();
    const result = await channel.unary(call, control);
    ex.metrics.upstream.handled(result.status.code, (performance.now() - upstreamStarted) / 1000);
    if (result.status.code === Code.OK) {
      const json = responseJson(deps.codec, route, result.response!);
      sendJson(ex.res, 200, ex.headers, json);
      finish(ex, 200);
      return;
    }
    upstreamFailure(ex, result.status);
  }

  function upstreamFailure(ex: Exchange, status: GrpcStatus): void {
    const rendered = errors.fromStatus(status, ex.requestId, challengeFor(ex.req.headers.authorization !== undefined, ex.route.access === 'public'));
    if (rendered.status >= 500) {
      log.warn({ ...exchangeLog(ex), grpcCode: status.code, upstreamMessage: status.message, fromBackend: status.fromBackend }, 'upstream call failed');
    }
    answerError(ex, rendered);
  }

  /**
   * stream relays a server stream as SSE or NDJSON. Nothing is written
   * until the first message, so a stream that fails at once (not found,
   * permission denied) is an ordinary JSON error with its own status; after
   * that an error goes in-band as the last event. A slow client holds back
   * the flow-control window, so the backend slows down instead of the
   * gateway buffering.
   */
  function stream(ex: Exchange, channel: GrpcChannel, call: GrpcCall): Promise<void> {
    const { req, res, route } = ex;
    const format = frames.streamFormat(req.headers.accept);
    return new Promise((resolve) => {
      let started = false;
      let ended = false;
      let heartbeat: NodeJS.Timeout | undefined;
      let unregister: () => void = () => undefined;
      const upstreamStarted = performance.now();
      const end = (status: number) => {
        ended = true;
        clearInterval(heartbeat);
        unregister();
        finish(ex, status);
        resolve();
      };
      const start = () => {
        started = true;
        ex.headers.push('content-type', frames.CONTENT_TYPES[format], 'cache-control', 'no-cache', 'x-accel-buffering', 'no');
        res.writeHead(200, ex.headers);
        // The response's time is to its first byte; the stream's length is its own business.
        finish(ex, 200);
        const beat = frames.heartbeat(format);
        if (beat !== undefined && settings.heartbeatMs > 0) {
          heartbeat = setInterval(() => res.write(beat), settings.heartbeatMs);
          heartbeat.unref();
        }
      };
      const upstream = channel.serverStream(call, {
        onMessage(bytes, ack) {
          if (ended) return ack();
          let json: string;
          try {
            json = responseJson(deps.codec, route, bytes);
          } catch (err) {
            log.error({ err, ...exchangeLog(ex) }, 'cannot map a stream message');
            upstream.cancel();
            if (!started) fail(ex, err);
            else res.end(frames.error(format, JSON.stringify(errors.streamError({ code: Code.INTERNAL, message: '', details: undefined, fromBackend: false }, ex.requestId).error)));
            return end(500);
          }
          if (!started) start();
          if (res.write(frames.message(format, json))) ack();
          else res.once('drain', ack);
        },
        onEnd(status) {
          if (ended) return;
          ex.metrics.upstream.handled(status.code, (performance.now() - upstreamStarted) / 1000);
          if (!started) {
            if (status.code === Code.OK) {
              start();
              res.end();
            } else {
              upstreamFailure(ex, status);
            }
            return end(ex.res.statusCode);
          }
          if (status.code !== Code.OK) {
            if (status.code !== Code.CANCELLED) log.warn({ ...exchangeLog(ex), grpcCode: status.code, upstreamMessage: status.message }, 'stream ended with an error');
            res.write(frames.error(format, JSON.stringify(errors.streamError(status, ex.requestId).error)));
          }
          res.end();
          end(200);
        },
      });
      unregister = deps.inFlight.stream(() => {
        if (ended) return;
        upstream.cancel();
        if (started) res.end();
        else answerError(ex, errors.fromStatus({ code: Code.UNAVAILABLE, message: '', details: undefined, fromBackend: false, retryAfterMs: 1000 }, ex.requestId));
        end(started ? 200 : 503);
      });
      res.once('close', () => {
        if (ended) return;
        // The client went away: stop the backend's work too.
        upstream.cancel();
        end(started ? 200 : 499);
      });
    });
  }

  return function handle(req, res) {
    const started = performance.now();
    const incomingId = req.headers['x-request-id'];
    const requestId = isRequestId(incomingId) ? incomingId : newRequestId();
    const headers: Headers = ['x-request-id', requestId];
    const origin = req.headers.origin;
    if (deps.cors.enabled) for (const [k, v] of deps.cors.responseHeaders(origin)) headers.push(k, v);
    if (deps.draining()) headers.push('connection', 'close');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';

    const op = deps.ops.get(path);
    if (op !== undefined) {
      Promise.resolve()
        .then(() => op(req, res, headers))
        .catch((err: unknown) => {
          if (err instanceof GatewayError && !res.headersSent) return sendError(res, headers, errors.fromGatewayError(err, requestId));
          log.error({ err, requestId, path }, 'operations endpoint failed');
          if (!res.headersSent) sendError(res, headers, errors.internal(requestId));
        });
      return;
    }

    if (method === 'OPTIONS') return options(req, res, headers, path, origin, requestId, started);
    let result;
    try {
      result = deps.router.match(method, path);
    } catch (err) {
      if (!(err instanceof PathError)) throw err;
      return unrouted(res, headers, errors.fromGatewayError(invalidArgument(err.message), requestId), method, started);
    }
    if (result.kind === 'not-found') {
      const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
      return unrouted(res, headers, errors.fromGatewayError(new GatewayError(Code.NOT_FOUND, 'NOT_FOUND', `no route for ${method} ${shown}`), requestId), method, started);
    }
    if (result.kind === 'method-not-allowed') {
      const allow = result.allowed.join(', ');
      const err = new GatewayError(Code.UNIMPLEMENTED, 'METHOD_NOT_ALLOWED', `${method} is not allowed here; allowed: ${allow}`, { httpStatus: 405, headers: [['allow', allow]] });
      return unrouted(res, headers, errors.fromGatewayError(err, requestId), method, started);
    }

    const { route, values } = result.match;
    const span = deps.tracer.startSpan(route.spanName, SERVER_SPAN, extractParent(req.headers));
    if (span.isRecording()) {
      // Attributes only for spans that are kept: most are not (10 % sampling by default).
      span.setAttributes({ 'http.request.method': method, 'http.route': route.template.source, 'rpc.system': 'grpc', 'rpc.service': route.rpc.service, 'rpc.method': route.rpc.name, 'shop.request_id': requestId });
    }
    const ex: Exchange = {
      req,
      res,
      route,
      values,
      query: q < 0 ? '' : url.slice(q + 1),
      requestId,
      headers,
      started,
      span,
      metrics: metricsOf(route),
      finished: false,
    };
    void serve(ex);
  };

  function unrouted(res: ServerResponse, headers: Headers, error: ErrorResponse, method: string, started: number): void {
    sendError(res, headers, error);
    deps.metrics.forRoute('unmatched', method === 'GET' || method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE' ? method : 'OTHER', undefined, false).handled(error.status, (performance.now() - started) / 1000);
  }

  /** options answers OPTIONS: a CORS preflight when it is one, otherwise the Allow list of the path. */
  function options(req: IncomingMessage, res: ServerResponse, headers: Headers, path: string, origin: string | undefined, requestId: string, started: number): void {
    const allowed = allowedMethods(path);
    if (allowed.length === 0) {
      return unrouted(res, headers, errors.fromGatewayError(new GatewayError(Code.NOT_FOUND, 'NOT_FOUND', `no route for ${path.slice(0, 200)}`), requestId), 'OPTIONS', started);
    }
    const requested = req.headers['access-control-request-method'];
    if (origin !== undefined && requested !== undefined) {
      const preflight = deps.cors.preflight(origin, requested, allowed);
      if (preflight === undefined) {
        const err = new GatewayError(Code.PERMISSION_DENIED, 'PERMISSION_DENIED', 'this origin or method is not allowed cross-origin');
        return unrouted(res, headers, errors.fromGatewayError(err, requestId), 'OPTIONS', started);
      }
      const out = ['x-request-id', requestId];
      for (const [k, v] of preflight) out.push(k, v);
      out.push('content-length', '0');
      res.writeHead(204, out);
      res.end();
      return;
    }
    headers.push('allow', [...allowed, 'OPTIONS'].join(', '), 'content-length', '0');
    res.writeHead(204, headers);
    res.end();
  }

  function allowedMethods(path: string): string[] {
    const found = new Set<string>();
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', ...new Set(deps.router.all().map((r) => r.httpMethod))]) {
      try {
        if (deps.router.match(method, path).kind === 'match') found.add(method);
      } catch {
        return [];
      }
    }
    if (found.has('GET')) found.add('HEAD');
    return [...found];
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** countHeader counts a header's fields in node:http's rawHeaders ([name, value, ...], names as sent). */
function countHeader(raw: readonly string[], lowerName: string): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === lowerName.length && raw[i].toLowerCase() === lowerName) count += 1;
  return count;
}
