import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Logger } from 'pino';

/** ReadinessCheck is a dependency the process cannot serve without, for example its database. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** Health is the standard grpc.health.v1 service with the process's own rules on top. */
export interface Health {
  implementation: HealthImplementation;
  /** track adds a service name whose status follows the process's. */
  track(serviceName: string): void;
  /** drain reports NOT_SERVING for good: the process is shutting down. */
  drain(): void;
  /** refresh runs the readiness checks once and updates every status. */
  refresh(): Promise<boolean>;
  /** start polls the readiness checks every intervalMs until stop. */
  start(intervalMs: number): void;
  stop(): void;
  isServing(): boolean;
}

/**
 * createHealth keeps one status for the whole process, reported under ""
 * and under each service name: SERVING while every readiness check passes,
 * NOT_SERVING while one fails (for example the database is unreachable) and
 * for good once draining begins.
 */
export function createHealth(checks: ReadinessCheck[], log: Logger): Health {
  const implementation = new HealthImplementation({ '': 'SERVING' });
  const names = new Set<string>(['']);
  let draining = false;
  let ready = true;
  let timer: NodeJS.Timeout | undefined;

  const publish = () => {
    const status: ServingStatus = !draining && ready ? 'SERVING' : 'NOT_SERVING';
    for (const name of names) implementation.setStatus(name, status);
  };

  const refresh = async (): Promise<boolean> => {
    const failures: string[] = [];
    await Promise.all(
      checks.map(async (c) => {
        try {
          await c.check();
        } catch (err: unknown) {
          failures.push(c.name);
          log.warn({ check: c.name, err }, 'readiness check failed');
        }
      }),
    );
    const nowReady = failures.length === 0;
    if (nowReady !== ready) log.info({ ready: nowReady, failures }, 'readiness changed');
    ready = nowReady;
    publish();
    return ready && !draining;
  };

  return {
    implementation,
    track(name) {
      names.add(name);
      publish();
    },
    drain() {
      draining = true;
      publish();
    },
    refresh,
    start(intervalMs) {
      timer = setInterval(() => void refresh(), intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
    isServing: () => ready && !draining,
  };
}
