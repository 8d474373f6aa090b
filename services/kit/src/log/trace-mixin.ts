import { isSpanContextValid, trace } from '@opentelemetry/api';

/** TraceFields are the ids that tie a log line to its trace. */
export interface TraceFields {
  trace_id?: string;
  span_id?: string;
}

/**
 * traceMixin returns the active span's trace and span ids, or nothing
 * outside a span. Unsampled spans have ids too, and logging them still lets
 * one request's lines be found across services.
 */
export function traceMixin(): TraceFields {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const ctx = span.spanContext();
  if (!isSpanContextValid(ctx)) return {};
  // A fresh object each time: pino merges the log call's fields into it.
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}
