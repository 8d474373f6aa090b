import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { extractParent, traceHeaders } from './trace-context';

describe('trace context', () => {
  it('reads a valid traceparent and tracestate as a remote parent', () => {
    const parent = extractParent({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'a=1,b=2' });
    expect(trace.getSpanContext(parent)).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(trace.getSpanContext(parent)?.traceState?.get('b')).toBe('2');
  });

  it.each(['', 'garbage', '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', '00-00000000000000000000000000000000-b7ad6b7169203331-01', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01'])(
    'ignores the invalid traceparent %j',
    (traceparent) => {
      expect(extractParent({ traceparent })).toBe(ROOT_CONTEXT);
    },
  );

  it("writes the span as the backend's parent and passes baggage on", () => {
    const span = new BasicTracerProvider().getTracer('t').startSpan('x', {}, extractParent({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' }));
    const metadata: string[] = [];
    traceHeaders(span, { baggage: 'tenant=acme' }, metadata);
    expect(metadata[0]).toBe('traceparent');
    expect(metadata[1]).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-00$/);
    expect(metadata.slice(2)).toEqual(['baggage', 'tenant=acme']);
  });
});
