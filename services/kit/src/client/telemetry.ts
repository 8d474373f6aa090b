import { InterceptingCall, status as Code, type Interceptor } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Tracer } from '@opentelemetry/api';
import type { ClientMethodMetrics, RpcMetrics } from '../telemetry/metrics';

/**
 * createClientTelemetry is a grpc-js client interceptor that records a
 * CLIENT span (child of the active context) and the client metrics of every
 * outgoing call, and sends the span's W3C trace context (traceparent) so the
 * callee's span is its child.
 */
export function createClientTelemetry(metrics?: RpcMetrics, tracer: Tracer = trace.getTracer('@shop/kit')): Interceptor {
  const byPath = new Map<string, ClientMethodMetrics>();
  return (options, nextCall) => {
    const path = options.method_definition.path;
    const started = process.hrtime.bigint();
    const parent = context.active();
    const span = tracer.startSpan(path.slice(1), { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc' } }, parent);
    let m: ClientMethodMetrics | undefined;
    if (metrics) {
      m = byPath.get(path);
      if (!m) {
        m = metrics.forClientMethod(path, options.method_definition.responseStream ? 'server_stream' : 'unary');
        byPath.set(path, m);
      }
    }
    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        propagation.inject(trace.setSpan(parent, span), metadata, { set: (carrier, key, value) => carrier.set(key, value) });
        // Only onReceiveStatus is intercepted; grpc-js passes the other
        // events through. (Spreading `listener` here would make grpc-js treat
        // this object as a full listener and call it without `next`.)
        next(metadata, {
          onReceiveStatus(status, nextStatus) {
            m?.handled(status.code, Number(process.hrtime.bigint() - started) / 1e9);
            if (span.isRecording()) {
              span.setAttribute('rpc.grpc.status_code', status.code);
              if (status.code !== Code.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: Code[status.code] });
            }
            span.end();
            nextStatus(status);
          },
        });
      },
    });
  };
}
