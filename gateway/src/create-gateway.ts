import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { status as Code } from '@grpc/grpc-js';
import { trace, type Tracer } from '@opentelemetry/api';
import type { JWK } from 'jose';
import type { Logger } from 'pino';
import { cacheVerifiedTokens, createContractRules, createRevokedSessions, createUserTokenVerifier, newRequestId, refuseRevokedSessions, type Contract, type RevocationSource } from '@shop/kit';
import { ErrorRenderer } from './errors/error-body';
import { GatewayError } from './errors/gateway-error';
import type { Reason } from './errors/reason';
import { createHandler, type HandlerSettings, type InFlight } from './http/handler';
import { buildOpenApi, OPS_PATHS, type OpenApiDocument } from './openapi/build-openapi';
import { createDocs } from './openapi/docs-page';
import { GatewayMetrics } from './ops/metrics';
import { createOpsRoutes } from './ops/ops-routes';
import { createReadiness } from './ops/readiness';
import { Router } from './routing/router';
import { readRoutes, RouteConfigError, type Route } from './routing/routes';
import { createAuthenticator } from './security/auth';
import { createConnectionLimit } from './security/connection-limit';
import { createCors } from './security/cors';
import { AUTH_SERVICE, jwksFromUsers, revokedSessionsFromUsers } from './security/users-auth';
import { MemoryRateLimiter, type RateLimiter } from './security/rate-limit';
import { JsonCodec } from './transcode/binary-to-json';
import { RequestBuilder } from './transcode/request';
import { EndpointPool, type Resolver } from './upstream/endpoint-pool';
import { GrpcChannel } from './upstream/grpc-client';
import { createLeanTransport } from './upstream/h2-connection';
import { createNodeHttp2Transport } from './upstream/node-http2-transport';
import type { Transport } from './upstream/transport';

/** GatewaySettings are the gateway's limits, timeouts and choices; main.ts reads them from the environment. */
export interface GatewaySettings extends HandlerSettings {
  maxHeaderBytes: number;
  /** maxConnectionsPerAddress bounds the open connections of one client address (0: no bound). */
  maxConnectionsPerAddress: number;
  /** headersTimeoutMs is how long a client may take to send the request line and headers (408 after it). */
  headersTimeoutMs: number;
  maxJsonDepth: number;
  maxResponseBytes: number;
  corsOrigins: readonly string[];
  corsMaxAgeSec: number;
  transport: 'lean' | 'node-http2';
  connectTimeoutMs: number;
  dnsRefreshMs: number;
  authIssuer: string;
  authAudience: string;
}

/** DEFAULT_SETTINGS are the defaults of the configuration table in README.md. */
export const DEFAULT_SETTINGS: GatewaySettings = {
  maxBodyBytes: 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxConnectionsPerAddress: 256,
  headersTimeoutMs: 10_000,
  maxJsonDepth: 32,
  maxResponseBytes: 4 * 1024 * 1024,
  requestTimeoutMs: 10_000,
  maxRequestTimeoutMs: 30_000,
  streamTimeoutMs: 300_000,
  trustedProxies: 0,
  heartbeatMs: 15_000,
  rateLimit: { ip: { perSecond: 50, burst: 100 }, user: { perSecond: 20, burst: 40 } },
  corsOrigins: [],
  corsMaxAgeSec: 600,
  transport: 'lean',
  connectTimeoutMs: 3_000,
  dnsRefreshMs: 30_000,
  authIssuer: 'shop-users',
  authAudience: 'shop',
};

/** GatewayDeps are what createGateway needs; main.ts picks the concrete ones. */
export interface GatewayDeps {
  /** contract is the parsed descriptor set: routes, access and JSON mapping all come from it. */
  contract: Contract;
  log: Logger;
  /** backends returns the "host:port" addresses of a service by its full name, or undefined when none is configured. */
  backends(service: string): readonly string[] | undefined;
  settings?: Partial<GatewaySettings>;
  /** jwks overrides where token keys come from; by default AuthService.GetJwks through the gateway's own client. */
  jwks?: () => Promise<{ keys: readonly JWK[] }>;
  /** revocations overrides where the revoked sessions come from; by default AuthService.ListRevokedSessions through the gateway's own client. */
  revocations?: RevocationSource;
  limiter?: RateLimiter;
  metrics?: GatewayMetrics;
  tracer?: Tracer;
  transport?: Transport;
  resolve?: Resolver;
}

/** Gateway is a REST gateway ready to listen. */
export interface Gateway {
  readonly server: Server;
  readonly routes: readonly Route[];
  readonly openApi: OpenApiDocument;
  /** docs says what serves /docs: swagger-ui-dist, or the built-in page until it is installed. */
  readonly docs: 'swagger-ui-dist' | 'builtin';
  readonly metrics: GatewayMetrics;
  /** listen resolves host names, then binds (port 0 picks a free port) and resolves to the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /**
   * close shuts down gracefully: /readyz turns 503 and responses say
   * "Connection: close" at once; after drainDelayMs the listener closes and
   * streams end; open requests get graceMs to finish, then every connection
   * is closed.
   */
  close(options?: { graceMs?: number; drainDelayMs?: number }): Promise<void>;
}

/**
 * createGateway assembles the REST gateway from the contract: the routes
 * from every google.api.http binding, one gRPC channel per backend service,
 * the security policy from shop.common.v1.access, the OpenAPI document, and
 * the node:http server. It has no side effects: nothing listens or connects
 * until listen().
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const settings: GatewaySettings = { ...DEFAULT_SETTINGS, ...deps.settings };
  const { contract, log } = deps;
  const registry = contract.registry;
  const routes = readRoutes(contract);
  const router = new Router(routes);
  const reserved = OPS_PATHS.filter((p) => router.match('GET', p).kind !== 'not-found');
  if (reserved.length > 0) throw new RouteConfigError(reserved.map((p) => `a route takes ${p}, which the gateway serves itself`));

  const transport = deps.transport ?? (settings.transport === 'lean' ? createLeanTransport() : createNodeHttp2Transport());
  const pools = new Map<string, EndpointPool>();
  const channels = new Map<string, GrpcChannel>();
  const channelOptions = { maxMessageBytes: settings.maxResponseBytes, userAgent: 'shop-gateway' };
  const channelFor = (service: string): GrpcChannel => {
    const existing = channels.get(service);
    if (existing) return existing;
    const targets = deps.backends(service);
    if (targets === undefined || targets.length === 0) throw new RouteConfigError([`no backend address is configured for ${service}`]);
    const key = targets.join(',');
    let pool = pools.get(key);
    if (pool === undefined) {
      pool = new EndpointPool({ targets, transport, connectTimeoutMs: settings.connectTimeoutMs, refreshMs: settings.dnsRefreshMs, resolve: deps.resolve, log });
      pools.set(key, pool);
    }
    const channel = new GrpcChannel(pool, channelOptions);
    channels.set(service, channel);
    return channel;
  };
  const services = [...new Set(routes.map((r) => r.rpc.service))];
  for (const service of services) channelFor(service);
  const routeChannels = new Map<Route, GrpcChannel>(routes.map((r) => [r, channelFor(r.rpc.service)]));

  const codec = new JsonCodec(registry);
  const jwks = deps.jwks ?? jwksFromUsers(contract, codec, () => channelFor(AUTH_SERVICE));
  const revoked = createRevokedSessions({ source: deps.revocations ?? revokedSessionsFromUsers(contract, codec, () => channelFor(AUTH_SERVICE)), log });
  const verifier = refuseRevokedSessions(
    cacheVerifiedTokens(createUserTokenVerifier({ issuer: settings.authIssuer, audience: settings.authAudience, fetchJwks: jwks }), {
      expiresAt: (user) => user.expiresAt,
    }),
    revoked,
  );
  const limiter = deps.limiter ?? new MemoryRateLimiter();
  const metrics = deps.metrics ?? new GatewayMetrics();
  const openApi = buildOpenApi(routes, registry, {
    title: 'shopmesh REST API',
    version: 'v1',
    description: 'Generated at start-up from the google.api.http annotations of the shop.* contracts. Field names are lowerCamelCase (the proto names are accepted too); 64-bit integers are strings; enums are names; times are RFC 3339 strings. Log in with POST /v1/auth/login, then Authorize with the accessToken: a lock marks each operation that needs it (open until you authorize, then closed); operations without a lock are public. Errors are {"error": {"code", "status", "message", "details"}} (AIP-193).',
  });
  const docs = createDocs(openApi);
  const readiness = createReadiness(
    services.map((service) => ({ service, channel: channelFor(service) })),
    { cacheMs: 1_000, timeoutMs: 1_000 },
  );

  let draining = false;
  const inFlight = createInFlight();
  const errors = new ErrorRenderer(registry);
  const handler = createHandler({
    router,
    requests: new RequestBuilder(registry, settings.maxJsonDepth, createContractRules(registry)),
    codec,
    errors,
    channelFor: (route) => routeChannels.get(route)!,
    auth: createAuthenticator(verifier),
    limiter,
    cors: createCors({ origins: settings.corsOrigins, maxAgeSec: settings.corsMaxAgeSec }),
    metrics,
    log,
    tracer: deps.tracer ?? trace.getTracer('@shop/gateway'),
    ops: createOpsRoutes({ readiness, registry: metrics.registry, openApiJson: JSON.stringify(openApi), docs, draining: () => draining }),
    settings,
    draining: () => draining,
    inFlight,
  });

  // headersTimeout and requestTimeout are checked every connectionsCheckingInterval (30 s by
  // default, so a slow client lasted 33-35 s); once a second keeps them near their values.
  const server = createServer(
    {
      maxHeaderSize: settings.maxHeaderBytes,
      requestTimeout: Math.max(30_000, settings.headersTimeoutMs),
      headersTimeout: settings.headersTimeoutMs,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: Math.min(1_000, settings.headersTimeoutMs),
    },
    handler,
  );
  /** answerRaw writes a complete error answer on a socket node:http will not (or not yet) serve, then closes it. */
  const answerRaw = (socket: Socket, error: GatewayError, status: number) => {
    const requestId = newRequestId();
    const rendered = errors.fromGatewayError(error, requestId);
    const extra = rendered.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(rendered.body)}\r\nx-request-id: ${requestId}\r\n${extra}connection: close\r\n\r\n${rendered.body}`,
    );
  };
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // Requests node:http cannot parse still get a JSON answer, then the connection closes.
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const [status, reason, message]: [number, Reason, string] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', `the request line and headers exceed ${settings.maxHeaderBytes} bytes`]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'REQUEST_TIMEOUT', 'the request took too long to arrive']
          : [400, 'MALFORMED_REQUEST', 'the request is not valid HTTP/1.1'];
    answerRaw(socket, new GatewayError(Code.INVALID_ARGUMENT, reason, message, { httpStatus: status }), status);
  });
  const connections = createConnectionLimit(settings.maxConnectionsPerAddress);
  server.on('connection', (socket: Socket) => {
    if (connections.admit(socket)) return;
    const limited = new GatewayError(Code.RESOURCE_EXHAUSTED, 'RATE_LIMITED', `too many open connections from your address (at most ${settings.maxConnectionsPerAddress})`, { retryAfterMs: 1_000 });
    answerRaw(socket, limited, 429);
  });

  let closing: Promise<void> | undefined;
  return {
    server,
    routes,
    openApi,
    docs: docs.source,
    metrics,
    async listen(port, host = '127.0.0.1') {
      await Promise.all([...pools.values()].map((p) => p.start()));
      revoked.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    },
    close({ graceMs = 10_000, drainDelayMs = 0 } = {}) {
      closing ??= (async () => {
        draining = true;
        if (drainDelayMs > 0) await new Promise((r) => setTimeout(r, drainDelayMs));
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        inFlight.endStreams();
        const finished = await Promise.race([inFlight.idle().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref())]);
        if (!finished) log.warn({ graceMs, open: inFlight.count() }, 'grace period over: closing the connections still open');
        server.closeAllConnections();
        await closed;
        await revoked.stop();
        for (const pool of pools.values()) pool.close();
        await limiter.close();
      })();
      return closing;
    },
  };
}

function createInFlight(): InFlight & { idle(): Promise<void>; endStreams(): void; count(): number } {
  let open = 0;
  let waiters: Array<() => void> = [];
  const streams = new Set<() => void>();
  return {
    enter() {
      open += 1;
    },
    leave() {
      open -= 1;
      if (open === 0) {
        for (const w of waiters) w();
        waiters = [];
      }
    },
    stream(close) {
      streams.add(close);
      return () => void streams.delete(close);
    },
    idle() {
      return open === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
    endStreams() {
      for (const close of [...streams]) close();
    },
    count: () => open,
  };
}
