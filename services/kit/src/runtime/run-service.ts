import { z } from 'zod';
import type { Logger } from 'pino';
import { loadConfigOrExit } from '../config/load-config-or-exit';
import { commonEnv, type CommonConfig } from '../config/common';
import { startTracing, type Tracing } from '../telemetry/tracing';
import { createLogger } from '../log/create-logger';
import { createMetrics, type RpcMetrics } from '../telemetry/metrics';
import { startMetricsServer } from '../telemetry/metrics-server';
import { openDatabase } from '../store/open-database';
import { migrate } from '../store/migrate';
import { loadMigrations } from '../store/load-migrations';
import type { Database } from '../store/types';
import { createServiceIdentity, createServiceTokenVerifier, type ServiceIdentity } from '../auth/service-identity';
import { createUserTokenVerifier, type UserTokenVerifierOptions } from '../auth/user-token-verifier';
import { cacheVerifiedTokens } from '../auth/verified-token-cache';
import { createRevokedSessions, refuseRevokedSessions, type RevocationSource } from '../auth/revoked-sessions';
import { createServer } from '../server/create-server';
import type { ServiceDefinition, ServiceImplementation } from '../server/definition';
import type { ReadinessCheck } from '../server/health';
import type { InternalCallers } from '../server/middleware/auth';
import { createServerMetrics } from '../server/middleware/metrics';
import { createMeshClients, type MeshClient } from '../client/create-client';
import { createClientTelemetry } from '../client/telemetry';
import { onShutdown } from './on-shutdown';
import { AuthServiceDefinition } from '@shop/sdk/ts/shop/users/v1/auth_service';
import { durationFromMs } from '@shop/sdk/lib/time';

/** JwksSource yields the public keys that verify user access tokens. */
export type JwksSource = UserTokenVerifierOptions['fetchJwks'];

/** RuntimeDeps are what the runtime hands a service's build function. */
export interface RuntimeDeps<C> {
  config: C;
  log: Logger;
  /** db is the service's migrated database (PGlite under DATA_DIR, or DATABASE_URL). */
  db: Database;
  metrics: RpcMetrics;
  identity: ServiceIdentity;
  /** clients makes gRPC clients that propagate deadline, tokens, request id and trace context. */
  clients: ReturnType<typeof createMeshClients>;
}

/** Registration is one gRPC service a process serves. */
export interface Registration {
  definition: ServiceDefinition;
  implementation: unknown;
  /** drain, when set, runs with the service's own `drain` hooks (see ServiceParts.drain): it ends the service's long-lived calls. */
  drain?: () => void;
}

/** register pairs a definition with its implementation, type-checked. */
export function register<D extends ServiceDefinition>(definition: D, implementation: ServiceImplementation<D>): Registration {
  return { definition, implementation };
}

/** ServiceParts are what a service's build function returns. */
export interface ServiceParts {
  services: Registration[];
  readiness?: ReadinessCheck[];
  /** background work to stop on shutdown, before the database closes (relays, pollers). */
  stop?: Array<() => Promise<void>>;
  /** jwks replaces the users service as the source of public keys (the users service itself uses its own). */
  jwks?: JwksSource;
  /** revocations replaces the users service as the source of revoked sessions (the users service reads its own table). */
  revocations?: RevocationSource;
  /** healthDetails adds the service's own state (a breaker's state, ...) to /healthz on the metrics port, as JSON. */
  healthDetails?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * drain runs when shutdown begins, once the drain delay has passed: it
   * ends long-lived streams (watches) so the grace period does not wait
   * for them. The server stops accepting calls at the same moment.
   */
  drain?: Array<() => void>;
}

/** ServiceSpec describes a service to runService. */
export interface ServiceSpec<S extends z.ZodRawShape> {
  /** name is the service's short name: logs, metrics, data directory, schema and identity. */
  name: string;
  /** env is the service's own configuration, added to the common one. */
  env: S;
  /** migrationsDir holds the service's NNNN_name.sql migrations. */
  migrationsDir: string;
  internalCallers?: InternalCallers;
  build(deps: RuntimeDeps<CommonConfig & z.output<z.ZodObject<S>>>): Promise<ServiceParts>;
}

// One tracer provider per process: tests (and a future all-in-one mode) run
// several services in one process, and OpenTelemetry has one global provider.
let tracingUsers = 0;
let processTracing: Tracing | undefined;

function acquireTracing(options: Parameters<typeof startTracing>[0]): Tracing {
  processTracing ??= startTracing(options);
  tracingUsers += 1;
  return processTracing;
}

async function releaseTracing(): Promise<void> {
  tracingUsers -= 1;
  if (tracingUsers > 0 || !processTracing) return;
  const tracing = processTracing;
  processTracing = undefined;
  // An unreachable collector must not hold the exit for long.
  await Promise.race([tracing.shutdown(), new Promise((r) => setTimeout(r, 2_000).unref())]);
}

/** RuntimeOverrides replace the users service as the source of token keys and revoked sessions (tests). */
export interface RuntimeOverrides {
  jwks?: JwksSource;
  revocations?: RevocationSource;
}

/** REVOCATION_WAIT_MS is how long one ListRevokedSessions call waits in the users service for news. */
const REVOCATION_WAIT_MS = 25_000;

/** RunningService is what startService returns: the bound ports and a stop function. */
export interface RunningService {
  grpcPort: number;
  metricsPort: number | undefined;
  stop(): Promise<void>;
}

/**
 * startService assembles a service from its spec, in the order that matters:
 * configuration (exit listing every problem), tracing before anything else
 * runs, logs, metrics, the database with its migrations, the service
 * identity, clients, the service itself, then the gRPC and metrics
 * listeners. `stop` drains and closes everything in reverse.
 */
export async function startService<S extends z.ZodRawShape>(
  spec: ServiceSpec<S>,
  env: NodeJS.ProcessEnv = process.env,
  overrides: RuntimeOverrides = {},
): Promise<RunningService> {
  const config = loadConfigOrExit(z.object({ ...commonEnv, ...spec.env }), { service: spec.name, env }) as CommonConfig &
    z.output<z.ZodObject<S>>;
  acquireTracing({
    service: spec.name,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    samplerRatio: config.OTEL_TRACES_SAMPLER_ARG,
  });
  const log = createLogger({ service: spec.name, level: config.LOG_LEVEL });
  // What was opened so far is closed again if a later step fails, so a
  // failed start (or a test) leaves nothing running.
  const cleanups: Array<() => Promise<void> | void> = [() => releaseTracing()];
  const cleanUp = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    return await assemble(spec, config, log, overrides, cleanups);
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

async function assemble<S extends z.ZodRawShape>(
  spec: ServiceSpec<S>,
  config: CommonConfig & z.output<z.ZodObject<S>>,
  log: Logger,
  overrides: RuntimeOverrides,
  cleanups: Array<() => Promise<void> | void>,
): Promise<RunningService> {
  const metrics = createMetrics({ service: spec.name });
  const db = await openDatabase({
    service: spec.name,
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    dataRoot: config.DATA_DIR,
    onError: (err) => log.error({ err }, 'database pool error'),
  });
  cleanups.push(() => db.close());
  const migrated = await migrate(db, await loadMigrations(spec.migrationsDir), { logger: log });
  log.info({ version: migrated.version, applied: migrated.applied }, 'database ready');
  const identity = await createServiceIdentity({ service: spec.name, keysDir: config.SERVICE_KEYS_DIR });
  const clients = createMeshClients({
    serviceToken: (audience) => identity.token(audience),
    interceptors: [createClientTelemetry(metrics)],
  });
  cleanups.push(() => clients.close());
  const parts = await spec.build({ config, log, db, metrics, identity, clients });
  for (const stop of parts.stop ?? []) cleanups.push(stop);

  // The users service verifies with its own keys and revocations; tests
  // inject theirs; every other process asks the users service.
  const users = () => clients.createClient(AuthServiceDefinition, config.USERS_ADDRESS, { defaultTimeoutMs: 3_000, timeoutsMs: { ListRevokedSessions: REVOCATION_WAIT_MS + 5_000 } });
  const jwks: JwksSource =
    parts.jwks ??
    overrides.jwks ??
    (() => {
      const client = users();
      return () => client.getJwks({}) as ReturnType<JwksSource>;
    })();
  const revoked = createRevokedSessions({ source: parts.revocations ?? overrides.revocations ?? revocationsFrom(users()), log, waitMs: REVOCATION_WAIT_MS });
  revoked.start();
  cleanups.push(() => revoked.stop());
  const userVerifier = refuseRevokedSessions(
    cacheVerifiedTokens(createUserTokenVerifier({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, fetchJwks: jwks }), {
      expiresAt: (user) => user.expiresAt,
    }),
    revoked,
  );
  const serviceVerifier = cacheVerifiedTokens(createServiceTokenVerifier({ keysDir: config.SERVICE_KEYS_DIR }));
  const server = createServer({
    log,
    service: spec.name,
    auth: {
      verifyUser: (t) => userVerifier.verify(t),
      verifyService: (t) => serviceVerifier.verify(t),
      knownUser: (t) => userVerifier.lookup(t),
      knownService: (t) => serviceVerifier.lookup(t),
    },
    internalCallers: spec.internalCallers,
    metrics: createServerMetrics(metrics),
    onReject: (reason) => metrics.rejected(reason),
    readiness: [{ name: 'database', check: () => db.ping() }, ...(parts.readiness ?? [])],
    maxInFlight: config.MAX_IN_FLIGHT,
    defaultDeadlineMs: config.DEFAULT_DEADLINE_MS,
  });
  for (const r of parts.services) server.addService(r.definition, r.implementation as never);
  const grpcPort = await server.listen(config.GRPC_HOST, config.GRPC_PORT);
  cleanups.push(() => server.shutdown({ graceMs: 0 }));
  const metricsServer =
    config.METRICS_PORT >= 0
      ? await startMetricsServer({
          registry: metrics.registry,
          port: config.METRICS_PORT,
          host: config.METRICS_HOST,
          health: () => server.health.isServing(),
          details: parts.healthDetails,
        })
      : undefined;
  log.info({ grpc: `${config.GRPC_HOST}:${grpcPort}`, metrics: metricsServer && `${config.METRICS_HOST}:${metricsServer.port}` }, `${spec.name} serving`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down');
      const draining = server.shutdown({ graceMs: config.SHUTDOWN_GRACE_MS, drainDelayMs: config.DRAIN_DELAY_MS });
      // After the drain delay, as the server stops accepting calls: streams ended earlier would reconnect to this process.
      await new Promise((r) => setTimeout(r, config.DRAIN_DELAY_MS));
      for (const end of [...parts.services.flatMap((r) => (r.drain ? [r.drain] : [])), ...(parts.drain ?? [])]) {
        try {
          end();
        } catch (err) {
          log.error({ err }, 'ending long-lived calls failed');
        }
      }
      await draining;
      for (const s of parts.stop ?? []) await s().catch((err: unknown) => log.error({ err }, 'stopping background work failed'));
      await revoked.stop();
      clients.close();
      await db.close();
      await metricsServer?.close();
      await releaseTracing();
      log.info('stopped');
      // The logger writes asynchronously: let the last lines out before exit.
      await new Promise<void>((resolve) => log.flush(() => resolve()));
    })());
  return { grpcPort, metricsPort: metricsServer?.port, stop };
}

/**
 * runService is all a service's main.ts does: start the service, stop it
 * cleanly on SIGTERM, SIGINT or its supervisor's exit (exit 0; see
 * onShutdown), and exit 1 if it cannot start.
 */
export function runService<S extends z.ZodRawShape>(spec: ServiceSpec<S>): void {
  startService(spec).then(
    (running) => {
      onShutdown((reason) => {
        process.stderr.write(`${spec.name}: ${reason === 'supervisor exited' ? reason : `${reason} received`}, draining\n`);
        running.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`${spec.name}: shutdown failed: ${String(err)}\n`);
            process.exit(1);
          },
        );
      });
    },
    (err: unknown) => {
      process.stderr.write(`${spec.name}: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}

/** revocationsFrom reads the revoked sessions with AuthService.ListRevokedSessions. */
function revocationsFrom(users: { listRevokedSessions: MeshClient<typeof AuthServiceDefinition>['listRevokedSessions'] }): RevocationSource {
  return async (afterPosition, maxWaitMs, signal) => {
    const maxWait = maxWaitMs > 0 ? durationFromMs(maxWaitMs) : undefined;
    const reply = await users.listRevokedSessions({ afterPosition, maxWait }, { signal });
    return {
      sessions: reply.sessions.map((s) => ({ sessionId: s.sessionId, expireTime: s.expireTime?.getTime() ?? 0 })),
      position: reply.position,
    };
  };
}
