import type { RpcMetrics, ServerMethodMetrics } from '../../telemetry/metrics';
import type { Middleware } from '../chain';

/**
 * createServerMetrics counts started and handled calls, their durations and
 * the calls in flight, per method and status code (go-grpc-prometheus names).
 * Calls the overload guard refuses never reach the chain; the server counts
 * them through ServerDeps.onReject.
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
      m.handled(outcome.status.code, Number(process.hrtime.bigint() - call.startedAt) / 1e9);
      return outcome;
    } finally {
      metrics.inFlight.dec();
    }
  };
}
