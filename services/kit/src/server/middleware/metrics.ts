import type { RpcMetrics, ServerMethodMetrics } from '../../telemetry/metrics';
import type { Middleware } from '../chain';

/**
 * createServerMetrics counts started and handled calls, their durations and
 * the calls in flight, per method and status code (go-grpc-prometheus names).
 * Calls the overload guard refuses also count as rejected.
 */
export function createServerMetrics(metrics: RpcMetrics): Middleware {
  const byPath = new Map<string, ServerMethodMetrics>();
  return async (call, next) => {
    let m = byPath.get(call.path);
    if (!m) {
      m = metrics.forMethod(call.path, call.type);
      byPath.set(call.path, m);
    }
    m.started();
    metrics.inFlight.inc();
    try {
      const outcome = await next();
      if (outcome.status.details === OVERLOADED_MESSAGE) metrics.rejected('overload');
      m.handled(outcome.status.code, Number(process.hrtime.bigint() - call.startedAt) / 1e9);
      return outcome;
    } finally {
      metrics.inFlight.dec();
    }
  };
}

/** OVERLOADED_MESSAGE is the status message of a call the overload guard refused. */
export const OVERLOADED_MESSAGE = 'the server is at capacity; retry with backoff';
