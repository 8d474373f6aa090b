import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { traceMixin } from './trace-mixin';

describe('traceMixin', () => {
  // Registering a provider installs the AsyncLocalStorage context manager that context.with needs.
  beforeAll(() => new NodeTracerProvider().register());
  afterAll(() => {
    trace.disable();
    context.disable();
  });

  it('returns nothing outside a span', () => {
    expect(traceMixin()).toEqual({});
  });

  it('returns the ids of the active span, even an unsampled one', () => {
    const ctx = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE };
    const fields = context.with(trace.setSpanContext(ROOT_CONTEXT, ctx), traceMixin);
    expect(fields).toEqual({ trace_id: ctx.traceId, span_id: ctx.spanId });
  });

  it('returns nothing for an invalid span context', () => {
    const ctx = { traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: TraceFlags.NONE };
    expect(context.with(trace.setSpanContext(ROOT_CONTEXT, ctx), traceMixin)).toEqual({});
  });
});
