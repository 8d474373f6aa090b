import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { scopeStorage } from '../context/call-scope';
import { startTracing, type Tracing } from './tracing';

/** RecordingExporter keeps what it exported after shutdown, unlike InMemorySpanExporter, which clears. */
class RecordingExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans.push(...spans);
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

const SAMPLED_PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const UNSAMPLED_PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

describe('startTracing', () => {
  let running: Tracing | undefined;
  function start(samplerRatio: number) {
    const exporter = new RecordingExporter();
    running = startTracing({ service: 'orders', samplerRatio, exporter });
    return { exporter, tracing: running };
  }
  afterEach(async () => {
    await running?.shutdown();
    running = undefined;
  });

  it('records and exports every new trace at ratio 1', async () => {
    const { exporter, tracing } = start(1);
    const span = tracing.tracer.startSpan('PlaceOrder');
    expect(span.isRecording()).toBe(true);
    span.end();
    await tracing.shutdown();
    expect(exporter.spans.map((s) => s.name)).toEqual(['PlaceOrder']);
  });

  it('records nothing at ratio 0 but still gives spans ids to propagate', async () => {
    const { exporter, tracing } = start(0);
    const span = tracing.tracer.startSpan('PlaceOrder');
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanContext().traceId).not.toBe('0'.repeat(32));
    span.end();
    await tracing.shutdown();
    expect(exporter.spans).toEqual([]);
  });

  it('records a call whose remote parent was sampled, whatever the ratio', async () => {
    const { exporter, tracing } = start(0);
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: SAMPLED_PARENT });
    const span = tracing.tracer.startSpan('GetOrder', {}, parent);
    expect(span.isRecording()).toBe(true);
    span.end();
    await tracing.shutdown();
    const [exported] = exporter.spans;
    expect(exported.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(exported.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });

  it('does not record a call whose remote parent was not sampled, even at ratio 1', () => {
    const { tracing } = start(1);
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: UNSAMPLED_PARENT });
    const span = tracing.tracer.startSpan('GetOrder', {}, parent);
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    span.end();
  });

  it('buffers spans and exports them when shutdown flushes', async () => {
    const { exporter, tracing } = start(1);
    tracing.tracer.startSpan('one').end();
    tracing.tracer.startSpan('two').end();
    expect(exporter.spans).toEqual([]);
    await tracing.shutdown();
    expect(exporter.spans.map((s) => s.name).sort()).toEqual(['one', 'two']);
  });

  it('names the service in the resource', async () => {
    const { exporter, tracing } = start(1);
    tracing.tracer.startSpan('x').end();
    await tracing.shutdown();
    expect(exporter.spans[0].resource.attributes['service.name']).toBe('orders');
    expect(exporter.spans[0].instrumentationScope.name).toBe('@shop/kit');
  });

  it('keeps the active span across awaits so children join the trace', async () => {
    const { exporter, tracing } = start(1);
    await tracing.tracer.startActiveSpan('parent', async (parent) => {
      await new Promise((resolve) => setImmediate(resolve));
      trace.getTracer('any').startSpan('child').end();
      parent.end();
    });
    await tracing.shutdown();
    const parent = exporter.spans.find((s) => s.name === 'parent');
    const child = exporter.spans.find((s) => s.name === 'child');
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
  });

  it('without asyncContext, keeps no context in AsyncLocalStorage but still records spans made with explicit parents', async () => {
    const exporter = new RecordingExporter();
    running = startTracing({ service: 'gateway', samplerRatio: 1, exporter, asyncContext: false });
    const parent = running.tracer.startSpan('GET /v1/products/{id}');
    const inside = context.with(trace.setSpan(ROOT_CONTEXT, parent), () => ({ store: scopeStorage.getStore(), active: trace.getActiveSpan() }));
    // OpenTelemetry's context.with runs the function without entering the runtime's storage.
    expect(inside).toEqual({ store: undefined, active: undefined });
    running.tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, parent)).end();
    parent.end();
    await running.shutdown();
    const child = exporter.spans.find((s) => s.name === 'child');
    expect(child?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });

  it('injects W3C traceparent and baggage headers into outgoing carriers', () => {
    const { tracing } = start(1);
    const span = tracing.tracer.startSpan('call');
    const ctx = propagation.setBaggage(trace.setSpan(context.active(), span), propagation.createBaggage({ tenant: { value: 'acme' } }));
    const headers: Record<string, string> = {};
    propagation.inject(ctx, headers);
    span.end();
    expect(headers.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    expect(headers.baggage).toBe('tenant=acme');
  });

  it('refuses to start twice and starts again after shutdown', async () => {
    const { tracing } = start(1);
    expect(() => startTracing({ service: 'orders' })).toThrow(/already started/);
    await tracing.shutdown();
    await tracing.shutdown();
    const again = start(1);
    expect(again.tracing.tracer.startSpan('x').isRecording()).toBe(true);
  });

  it('rejects a sampler ratio outside 0..1', () => {
    expect(() => startTracing({ service: 'orders', samplerRatio: 1.5 })).toThrow(RangeError);
    expect(() => startTracing({ service: 'orders', samplerRatio: Number.NaN })).toThrow(RangeError);
  });
});
