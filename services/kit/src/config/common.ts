import { z } from 'zod';

/** LOG_LEVELS are the levels LOG_LEVEL accepts, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** envInt accepts a whole number in [min, max], coerced from the variable's text. */
export function envInt(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return z.coerce.number().int().min(min).max(max);
}

/**
 * envBoolean accepts exactly "true", "false", "1" or "0". z.coerce.boolean
 * is not used because it turns the string "false" into true.
 */
export function envBoolean() {
  return z
    .enum(['true', 'false', '1', '0'], { error: 'must be one of true, false, 1, 0' })
    .transform((value) => value === 'true' || value === '1');
}

/** envUrl accepts an absolute URL with a host and one of the given schemes (without "://"). */
export function envUrl(...schemes: [string, ...string[]]) {
  return z.url({
    protocol: new RegExp(`^(${schemes.join('|')})$`),
    hostname: /./,
    error: `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`,
  });
}

/**
 * commonEnv is the part of the environment every shopmesh process reads.
 * A service spreads it into its own schema:
 * `z.object({ ...commonEnv, PAYMENT_PROVIDER: z.string() })`.
 * Host defaults are loopback so a process started on a laptop is not
 * reachable from the network; container manifests set GRPC_HOST and
 * METRICS_HOST to 0.0.0.0.
 */
export const commonEnv = {
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  GRPC_HOST: z.string().min(1).default('127.0.0.1'),
  /** GRPC_PORT 0 asks the OS for a free port (tests, embedded runs); the real one is logged. */
  GRPC_PORT: envInt(0, 65535).default(0),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** METRICS_PORT 0 asks the OS for a free port; -1 turns the metrics endpoint off. */
  METRICS_PORT: envInt(-1, 65535).default(0),
  /** DATABASE_URL selects a real PostgreSQL; unset, the service uses embedded PGlite under DATA_DIR. */
  DATABASE_URL: envUrl('postgres', 'postgresql').optional(),
  /** DATABASE_SCHEMA overrides the PostgreSQL schema (default: the service's name), for example one per test run. */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  AMQP_URL: envUrl('amqp', 'amqps').optional(),
  REDIS_URL: envUrl('redis', 'rediss').optional(),
  /** OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL (OTLP/HTTP); unset, spans are not exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: envUrl('http', 'https').optional(),
  /** OTEL_TRACES_SAMPLER_ARG is the share of new traces recorded; callers' sampling decisions are always kept. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(0.1),
  /** SHUTDOWN_GRACE_MS bounds how long in-flight calls may finish after SIGTERM. */
  SHUTDOWN_GRACE_MS: envInt(0).default(10_000),
  /** DRAIN_DELAY_MS keeps serving after SIGTERM while load balancers notice the pod is going away. */
  DRAIN_DELAY_MS: envInt(0).default(0),
  /** MAX_IN_FLIGHT is the number of concurrent calls above which new ones are rejected. */
  MAX_IN_FLIGHT: envInt(1).default(1000),
  /** DEFAULT_DEADLINE_MS applies to calls that arrive or leave without a deadline. */
  DEFAULT_DEADLINE_MS: envInt(1).default(10_000),
  SERVICE_KEYS_DIR: z.string().min(1).default('./data/keys'),
  /** USERS_ADDRESS is where verifiers fetch the users service's public keys (AuthService.GetJwks). */
  USERS_ADDRESS: z.string().min(1).default('127.0.0.1:50051'),
  AUTH_ISSUER: z.string().min(1).default('shop-users'),
  AUTH_AUDIENCE: z.string().min(1).default('shop'),
};

/** commonConfigSchema is commonEnv on its own, for processes with nothing more to read. */
export const commonConfigSchema = z.object(commonEnv);

/** CommonConfig is the parsed commonEnv, the part of a service's config the shared runtime takes. */
export type CommonConfig = z.output<typeof commonConfigSchema>;
