import { createLogger, loadConfigOrExit, onShutdown, sharedContract, startTracing, type ShutdownReason } from '@shop/kit';
import { backendsFromConfig, gatewayConfigSchema, type GatewayConfig } from './config';
import { createGateway, type Gateway, type GatewaySettings } from './create-gateway';
import { MemoryRateLimiter, type RateLimiter } from './security/rate-limit';
import { loadIoredis, RedisRateLimiter } from './security/redis-rate-limit';

const config = loadConfigOrExit(gatewayConfigSchema, { service: 'gateway' });
// The gateway passes trace context by hand (extractParent/traceHeaders): no
// AsyncLocalStorage context, whose hooks would tax every promise.
const tracing = startTracing({
  service: 'gateway',
  otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  samplerRatio: config.OTEL_TRACES_SAMPLER_ARG,
  asyncContext: false,
});
const log = createLogger({ service: 'gateway', level: config.LOG_LEVEL });

let limiter: RateLimiter = new MemoryRateLimiter();
if (config.REDIS_URL !== undefined) {
  const client = loadIoredis(config.REDIS_URL, log);
  if (client) limiter = new RedisRateLimiter({ client, fallback: limiter, log });
  else log.warn('REDIS_URL is set but the ioredis package is not installed: rate limits are kept in memory, per replica');
}

let gateway: Gateway;
try {
  gateway = createGateway({ contract: sharedContract(), log, backends: backendsFromConfig(config), limiter, tracer: tracing.tracer, settings: settingsFrom(config) });
} catch (err) {
  // A contract the gateway cannot serve, or a service without an address: say which, and stop.
  log.fatal({ err }, 'gateway cannot start');
  log.flush?.();
  process.exit(1);
}

gateway.listen(config.HTTP_PORT, config.HTTP_HOST).then(
  (port) => {
    log.info({ http: `${config.HTTP_HOST}:${port}`, routes: gateway.routes.length, docs: gateway.docs, transport: config.UPSTREAM_TRANSPORT }, 'gateway serving');
    if (gateway.docs === 'builtin') log.info('install swagger-ui-dist for the interactive explorer at /docs; the built-in page is served until then');
    const stop = (signal: ShutdownReason) => {
      log.info({ signal }, 'shutting down');
      gateway
        .close({ graceMs: config.SHUTDOWN_GRACE_MS, drainDelayMs: config.DRAIN_DELAY_MS })
        .then(() => tracing.shutdown())
        .then(
          () => {
            log.info('stopped');
            log.flush?.();
            process.exit(0);
          },
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
    };
    onShutdown(stop);
  },
  (err: unknown) => {
    log.fatal({ err }, 'gateway failed to start');
    log.flush?.();
    process.exit(1);
  },
);

/** settingsFrom maps the environment onto the gateway's settings; a rate of 0 turns a limit off. */
function settingsFrom(c: GatewayConfig): GatewaySettings {
  return {
    maxBodyBytes: c.MAX_BODY_BYTES,
    maxHeaderBytes: c.MAX_HEADER_BYTES,
    maxConnectionsPerAddress: c.MAX_CONNECTIONS_PER_IP,
    headersTimeoutMs: c.HEADERS_TIMEOUT_MS,
    maxJsonDepth: c.MAX_JSON_DEPTH,
    maxResponseBytes: c.MAX_RESPONSE_BYTES,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    maxRequestTimeoutMs: c.MAX_REQUEST_TIMEOUT_MS,
    streamTimeoutMs: c.STREAM_TIMEOUT_MS,
    trustedProxies: c.TRUST_PROXY_HOPS,
    heartbeatMs: c.SSE_HEARTBEAT_MS,
    rateLimit: {
      ip: c.RATE_LIMIT_IP_PER_SEC > 0 ? { perSecond: c.RATE_LIMIT_IP_PER_SEC, burst: c.RATE_LIMIT_IP_BURST } : undefined,
      user: c.RATE_LIMIT_USER_PER_SEC > 0 ? { perSecond: c.RATE_LIMIT_USER_PER_SEC, burst: c.RATE_LIMIT_USER_BURST } : undefined,
    },
    corsOrigins: c.CORS_ORIGINS,
    corsMaxAgeSec: c.CORS_MAX_AGE_SEC,
    transport: c.UPSTREAM_TRANSPORT,
    connectTimeoutMs: c.CONNECT_TIMEOUT_MS,
    dnsRefreshMs: c.DNS_REFRESH_MS,
    authIssuer: c.AUTH_ISSUER,
    authAudience: c.AUTH_AUDIENCE,
  };
}
