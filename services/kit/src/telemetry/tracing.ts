import { context, propagation, ProxyTracerProvider, trace, type Tracer } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

import { CallScopeContextManager } from './scope-context-manager';
/** TRACER_NAME is the instrumentation scope of the spans the shopmesh runtime creates. */
export const TRACER_NAME = '@shop/kit';

/** TracingOptions configure startTracing. */
export interface TracingOptions {
  /** service becomes the resource attribute service.name. */
  service: string;
  /**
   * otlpEndpoint is the collector's OTLP/HTTP base URL, as in
   * OTEL_EXPORTER_OTLP_ENDPOINT; spans go to `<endpoint>/v1/traces`.
   * Unset (and no exporter), spans get ids and propagate but are not exported.
   */
  otlpEndpoint?: string;
  /** samplerRatio is the share of new traces recorded, 0..1; a caller's decision always wins. */
  samplerRatio?: number;
  /** exporter replaces the OTLP exporter, for tests (an InMemorySpanExporter). */
  exporter?: SpanExporter;
  /**
   * asyncContext (default true) keeps OpenTelemetry's active context in the
   * runtime's AsyncLocalStorage, so handlers, logs and outgoing calls follow
   * the call they serve. false registers no context manager, for a process
   * that passes trace context by hand (the gateway): OpenTelemetry's own
   * `context.with` (the batch span processor calls it on every export)
   * would otherwise switch AsyncLocalStorage on for good, and its hooks then
   * run for every promise and callback of the process (3 % of the gateway's
   * CPU in bench/gateway).
   */
  asyncContext?: boolean;
}

/** Tracing is a started tracing setup: the runtime's tracer and the way to flush and stop it. */
export interface Tracing {
  tracer: Tracer;
  /** shutdown exports the spans still buffered, stops the provider and unregisters the globals; calling it again is a no-op. */
  shutdown(): Promise<void>;
}

/**
 * startTracing registers the global tracer provider: W3C trace-context and
 * baggage propagation, a context manager on the runtime's one
 * AsyncLocalStorage (CallScopeContextManager), sampling
 * ParentBased(TraceIdRatio(samplerRatio)), and a batching exporter when
 * there is somewhere to send spans.
 *
 * It is safe as the very first statement of a main.ts: it is synchronous,
 * reads no config or environment of its own and needs no logger. Nothing
 * here patches modules (spans come from the runtime's own interceptors, see
 * PERF-NOTES.md), so it may equally run right after loadConfigOrExit, which
 * lets the sampler ratio and endpoint come from validated config. Call
 * shutdown() on SIGTERM after the server has drained.
 */
export function startTracing(options: TracingOptions): Tracing {
  const { service, otlpEndpoint, samplerRatio = 0.1, exporter, asyncContext = true } = options;
  if (!(samplerRatio >= 0 && samplerRatio <= 1)) {
    throw new RangeError(`startTracing: samplerRatio must be between 0 and 1, got ${samplerRatio}`);
  }
  const spanExporter = exporter ?? (otlpEndpoint === undefined ? undefined : new OTLPTraceExporter({ url: tracesUrl(otlpEndpoint) }));
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: service })),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio) }),
    spanProcessors: spanExporter === undefined ? [] : [new BatchSpanProcessor(spanExporter)],
  });

  // The API refuses a second global provider silently (a diag message
  // nobody sees); a second start is a bug, so say so.
  const global = trace.getTracerProvider();
  if (global instanceof ProxyTracerProvider && global.getDelegateTracer(TRACER_NAME) !== undefined) {
    throw new Error('startTracing: tracing is already started; call shutdown() on the running one first');
  }
  provider.register({
    // OpenTelemetry's context lives in the runtime's one AsyncLocalStorage.
    contextManager: asyncContext ? new CallScopeContextManager() : null,
    propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  });

  let stopping: Promise<void> | undefined;
  return {
    tracer: provider.getTracer(TRACER_NAME),
    shutdown() {
      stopping ??= provider.shutdown().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
      });
      return stopping;
    },
  };
}

// OTEL_EXPORTER_OTLP_ENDPOINT is a base URL; the spec appends the signal's path to it.
function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}
