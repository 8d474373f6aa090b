import type { IncomingHttpHeaders } from 'node:http';
import { createTraceState, isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags, type Context, type Span } from '@opentelemetry/api';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * extractParent reads a W3C traceparent (and tracestate) into the context
 * the gateway's server span starts from. It is the W3C propagator the kit
 * registers, written out: the common request carries no trace context and
 * costs a header lookup, and the gateway does not depend on which global
 * propagator is installed.
 */
export function extractParent(headers: IncomingHttpHeaders): Context {
  const header = headers.traceparent;
  if (typeof header !== 'string') return ROOT_CONTEXT;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return ROOT_CONTEXT;
  const context = { traceId: match[1], spanId: match[2], traceFlags: parseInt(match[3], 16) & TraceFlags.SAMPLED, isRemote: true };
  if (!isSpanContextValid(context)) return ROOT_CONTEXT;
  const state = headers.tracestate;
  const traceState = typeof state === 'string' && state !== '' ? createTraceState(state) : undefined;
  return trace.setSpanContext(ROOT_CONTEXT, traceState ? { ...context, traceState } : context);
}

/**
 * traceHeaders adds the trace context for the backend: the gateway's span
 * as the parent, the tracestate, and the caller's baggage as it came.
 */
export function traceHeaders(span: Span, headers: IncomingHttpHeaders, metadata: string[]): void {
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return;
  metadata.push('traceparent', `00-${context.traceId}-${context.spanId}-${context.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`);
  const state = context.traceState?.serialize();
  if (state) metadata.push('tracestate', state);
  const baggage = headers.baggage;
  if (typeof baggage === 'string' && baggage !== '') metadata.push('baggage', baggage);
}
