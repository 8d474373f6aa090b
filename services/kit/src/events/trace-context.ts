import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import { TRACER_NAME } from '../telemetry/tracing';
import type { Transport } from './types';

/** TraceHeaders are the W3C trace context fields an envelope carries. */
export interface TraceHeaders {
  traceparent: string;
  tracestate: string;
}

/**
 * activeTraceHeaders injects the active OpenTelemetry context with the
 * globally registered propagator (W3C trace context, see startTracing).
 * Both fields are empty when nothing is being traced.
 */
export function activeTraceHeaders(): TraceHeaders {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return { traceparent: carrier.traceparent ?? '', tracestate: carrier.tracestate ?? '' };
}

/** producerContext is the context an envelope was emitted in, or the root context when it carries none. */
export function producerContext(envelope: TraceHeaders): Context {
  if (!envelope.traceparent) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent: envelope.traceparent };
  if (envelope.tracestate) carrier.tracestate = envelope.tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/**
 * inConsumerSpan runs fn inside a CONSUMER span whose parent is the
 * producer's span, so everything the handler does (queries, calls to other
 * services) joins the trace of the request that emitted the event.
 */
export async function inConsumerSpan<T>(envelope: EventEnvelope, transport: Transport, fn: () => Promise<T>): Promise<T> {
  const parent = producerContext(envelope);
  const span = trace.getTracer(TRACER_NAME).startSpan(
    `process ${envelope.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': transport === 'amqp' ? 'rabbitmq' : 'shopmesh-feed',
        'messaging.operation.type': 'process',
        'messaging.message.id': envelope.id,
        'messaging.destination.name': envelope.type,
        'shop.event.source': envelope.source,
        'shop.event.subject': envelope.subject,
      },
    },
    parent,
  );
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
