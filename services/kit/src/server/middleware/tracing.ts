import type { Metadata } from '@grpc/grpc-js';
import { status as Code } from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, propagation, trace, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import type { CallStep } from '../chain';

/** metadataGetter lets the W3C propagator read traceparent/tracestate from gRPC metadata. */
export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key);
    return values.length === 0 ? undefined : values.map(String);
  },
};

/**
 * createServerTracing starts a SERVER span per call, child of the caller's
 * W3C trace context, and makes it active for the handler (through the
 * call's scope) so logs and outgoing calls join the trace. Spans are made
 * by hand here rather than by OpenTelemetry's grpc auto-instrumentation,
 * which measured 25-36% of throughput on this runtime (BENCHMARKS.md).
 * Attributes are set only on spans that record: the sampler does not read
 * them, and most calls are not sampled.
 */
export function createServerTracing(tracer: Tracer = trace.getTracer('@shop/kit')): CallStep {
  return {
    start(call) {
      const parent = propagation.extract(ROOT_CONTEXT, call.ctx.metadata, metadataGetter);
      const span = tracer.startSpan(call.path.slice(1), { kind: SpanKind.SERVER }, parent);
      if (span.isRecording()) {
        span.setAttribute('rpc.system', 'grpc');
        span.setAttribute('rpc.service', call.contract.service);
        span.setAttribute('rpc.method', call.contract.name);
      }
      call.span = span;
      call.scope.trace = trace.setSpan(parent, span);
    },
    end(call, outcome) {
      const span = call.span;
      if (span === undefined) return;
      if (span.isRecording()) {
        span.setAttribute('rpc.grpc.status_code', outcome.status.code);
        span.setAttribute('shop.request_id', call.ctx.requestId);
        if (outcome.status.code !== Code.OK) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: Code[outcome.status.code] });
        }
      }
      span.end();
    },
  };
}
