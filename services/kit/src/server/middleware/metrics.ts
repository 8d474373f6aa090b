import type { RpcMetrics, ServerMethodMetrics } from '../../telemetry/metrics';
import type { CallInfo, CallStep } from '../chain';

/**
 * createServerMetrics counts started and handled calls, their durations and
 * the calls in flight, per method and status code (go-grpc-prometheus names).
 * Calls the overload guard refuses never reach the chain; the server counts
 * them through ServerDeps.onReject.
 */
export function createServerMetrics(metrics: RpcMetrics): CallStep {
  const byPath = new Map<string, ServerMethodMetrics>();
  const forCall = (call: CallInfo): ServerMethodMetrics => {
    let m = byPath.get(call.path);
    if (!m) {
      m = metrics.forMethod(call.path, call.type);
      byPath.set(call.path, m);
    }
    return m;
  };
  return {
    start(call) {
      forCall(call).started();
      metrics.inFlight.inc();
    },
    end(call, outcome) {
      forCall(call).handled(outcome.status.code, call.durationMs / 1e3);
      metrics.inFlight.dec();
    },
  };
}
