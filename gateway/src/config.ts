import { z } from 'zod';
import { commonEnv, envInt } from '@shop/kit';
import { parseTarget } from './upstream/endpoint-pool';

/** addresses accepts "host:port" or a comma-separated list of them (several replicas). */
function addresses(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const list = text.split(',').map((s) => s.trim()).filter(Boolean);
      for (const entry of list) {
        try {
          parseTarget(entry);
        } catch {
          ctx.addIssue({ code: 'custom', message: `must be host:port or a comma-separated list of them (bad entry ${JSON.stringify(entry)})` });
          return z.NEVER;
        }
      }
      if (list.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'must name at least one host:port' });
        return z.NEVER;
      }
      return list;
    });
}

/** origins accepts "", "*" or a comma-separated list of origins such as https://shop.example. */
const origins = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const list = text.split(',').map((s) => s.trim()).filter(Boolean);
    for (const origin of list) {
      if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
        ctx.addIssue({ code: 'custom', message: `must be "*" or origins like https://shop.example (bad entry ${JSON.stringify(origin)})` });
        return z.NEVER;
      }
    }
    return list;
  });

const rate = z.coerce.number().min(0).max(1_000_000);

/**
 * gatewayEnv is the gateway's configuration. It takes from the kit's common
 * variables only what applies to it (logging, tracing, shutdown, Redis, the
 * token issuer and audience, the users service address).
 */
export const gatewayEnv = {
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  REDIS_URL: commonEnv.REDIS_URL,
  OTEL_EXPORTER_OTLP_ENDPOINT: commonEnv.OTEL_EXPORTER_OTLP_ENDPOINT,
  OTEL_TRACES_SAMPLER_ARG: commonEnv.OTEL_TRACES_SAMPLER_ARG,
  SHUTDOWN_GRACE_MS: commonEnv.SHUTDOWN_GRACE_MS,
  DRAIN_DELAY_MS: commonEnv.DRAIN_DELAY_MS,
  AUTH_ISSUER: commonEnv.AUTH_ISSUER,
  AUTH_AUDIENCE: commonEnv.AUTH_AUDIENCE,
  /** HTTP_HOST defaults to loopback; containers set 0.0.0.0. */
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: envInt(0, 65535).default(8080),
  USERS_ADDRESS: addresses('127.0.0.1:50051'),
  CATALOG_ADDRESS: addresses('127.0.0.1:50052'),
  INVENTORY_ADDRESS: addresses('127.0.0.1:50053'),
  ORDERS_ADDRESS: addresses('127.0.0.1:50054'),
  PAYMENTS_ADDRESS: addresses('127.0.0.1:50055'),
  SHIPPING_ADDRESS: addresses('127.0.0.1:50056'),
  /** REQUEST_TIMEOUT_MS is the deadline of a unary call when the client sends no grpc-timeout. */
  REQUEST_TIMEOUT_MS: envInt(1).default(10_000),
  /** MAX_REQUEST_TIMEOUT_MS caps a client's grpc-timeout on unary calls. */
  MAX_REQUEST_TIMEOUT_MS: envInt(1).default(30_000),
  /** STREAM_TIMEOUT_MS is the deadline of a server stream (clients reconnect after it). */
  STREAM_TIMEOUT_MS: envInt(1).default(300_000),
  MAX_BODY_BYTES: envInt(1).default(1024 * 1024),
  /** MAX_HEADER_BYTES bounds the request line and headers together (431 above it). */
  MAX_HEADER_BYTES: envInt(1024, 1024 * 1024).default(16 * 1024),
  /** MAX_CONNECTIONS_PER_IP bounds the open connections of one client address (429 past it); 0 turns the bound off (behind a load balancer). */
  MAX_CONNECTIONS_PER_IP: envInt(0).default(256),
  /** HEADERS_TIMEOUT_MS is how long a client may take to send the request line and headers (408 after it). */
  HEADERS_TIMEOUT_MS: envInt(100, 120_000).default(10_000),
  MAX_JSON_DEPTH: envInt(1, 1000).default(32),
  /** MAX_RESPONSE_BYTES bounds one response message from a backend. */
  MAX_RESPONSE_BYTES: envInt(1).default(4 * 1024 * 1024),
  /** RATE_LIMIT_IP_PER_SEC refills each client address's bucket; 0 turns the per-IP limit off. */
  RATE_LIMIT_IP_PER_SEC: rate.default(50),
  RATE_LIMIT_IP_BURST: envInt(1).default(100),
  /** RATE_LIMIT_USER_PER_SEC refills each user's bucket; 0 turns the per-user limit off. */
  RATE_LIMIT_USER_PER_SEC: rate.default(20),
  RATE_LIMIT_USER_BURST: envInt(1).default(40),
  /** TRUST_PROXY_HOPS is the number of proxies in front of the gateway that append to X-Forwarded-For. */
  TRUST_PROXY_HOPS: envInt(0, 10).default(0),
  /** CORS_ORIGINS lists the browser origins allowed to call the API ("*" for any); empty turns CORS off. */
  CORS_ORIGINS: origins,
  CORS_MAX_AGE_SEC: envInt(0, 86_400).default(600),
  /** UPSTREAM_TRANSPORT picks the gRPC client: the lean HTTP/2 client, or node:http2 as a fallback. */
  UPSTREAM_TRANSPORT: z.enum(['lean', 'node-http2']).default('lean'),
  CONNECT_TIMEOUT_MS: envInt(1).default(3_000),
  /** DNS_REFRESH_MS is how often backend host names are resolved again (0: once). */
  DNS_REFRESH_MS: envInt(0).default(30_000),
  /** SSE_HEARTBEAT_MS is the interval of keep-alive comments on idle event streams (0: none). */
  SSE_HEARTBEAT_MS: envInt(0).default(15_000),
};

/** gatewayConfigSchema validates the whole environment, including checks across variables. */
export const gatewayConfigSchema = z.object(gatewayEnv).superRefine((config, ctx) => {
  if (config.REQUEST_TIMEOUT_MS > config.MAX_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['REQUEST_TIMEOUT_MS'], message: `must not exceed MAX_REQUEST_TIMEOUT_MS (${config.MAX_REQUEST_TIMEOUT_MS})` });
  }
});

/** GatewayConfig is the parsed environment. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

/** SERVICE_ADDRESS_VARIABLE names the variable holding each service's addresses, by the service name's package segment. */
const SERVICE_ADDRESS_VARIABLE: Readonly<Record<string, keyof GatewayConfig>> = {
  users: 'USERS_ADDRESS',
  catalog: 'CATALOG_ADDRESS',
  inventory: 'INVENTORY_ADDRESS',
  orders: 'ORDERS_ADDRESS',
  payments: 'PAYMENTS_ADDRESS',
  shipping: 'SHIPPING_ADDRESS',
};

/** backendsFromConfig maps a service's full name ("shop.catalog.v1.CatalogService") to its configured addresses. */
export function backendsFromConfig(config: GatewayConfig): (service: string) => readonly string[] | undefined {
  return (service) => {
    const match = /^shop\.([a-z]+)\.v\d+\./.exec(service);
    const variable = match ? SERVICE_ADDRESS_VARIABLE[match[1]] : undefined;
    return variable === undefined ? undefined : (config[variable] as readonly string[]);
  };
}
