import { status as Code } from '@grpc/grpc-js';
import type { GrpcChannel } from '../upstream/grpc-client';

/** ReadinessReport says, per backend service, what grpc.health.v1 answered. */
export interface ReadinessReport {
  ready: boolean;
  services: Record<string, string>;
}

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/**
 * createReadiness checks every backend service the routes call with the
 * standard grpc.health.v1.Health/Check, asking for the service by its full
 * name (the kit's servers report each service they host). The gateway is
 * ready when all of them are SERVING. Answers are cached for cacheMs and
 * concurrent probes share one round of checks, so probes cannot load the
 * backends.
 */
export function createReadiness(backends: ReadonlyArray<{ service: string; channel: GrpcChannel }>, options: { cacheMs: number; timeoutMs: number }) {
  let cached: { at: number; report: ReadinessReport } | undefined;
  let running: Promise<ReadinessReport> | undefined;

  async function checkOne(service: string, channel: GrpcChannel): Promise<string> {
    const name = Buffer.from(service, 'utf8');
    const request = Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]);
    const result = await channel.unary({
      path: '/grpc.health.v1.Health/Check',
      message: request,
      metadata: [],
      deadline: Date.now() + options.timeoutMs,
    });
    if (result.status.code !== Code.OK) return result.status.code === Code.NOT_FOUND ? 'SERVICE_UNKNOWN' : 'UNREACHABLE';
    const bytes = result.response!;
    // HealthCheckResponse { ServingStatus status = 1; }
    const status = bytes.length >= 2 && bytes[0] === 0x08 ? bytes[1] : 0;
    return STATUS_NAMES[status] ?? 'UNKNOWN';
  }

  async function run(): Promise<ReadinessReport> {
    const entries = await Promise.all(backends.map(async ({ service, channel }) => [service, await checkOne(service, channel)] as const));
    const services = Object.fromEntries(entries);
    return { ready: entries.every(([, s]) => s === 'SERVING'), services };
  }

  return {
    /** check returns the cached report or runs one round of checks. */
    check(): Promise<ReadinessReport> {
      if (cached && Date.now() - cached.at < options.cacheMs) return Promise.resolve(cached.report);
      running ??= run()
        .then((report) => {
          cached = { at: Date.now(), report };
          return report;
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    },
  };
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
