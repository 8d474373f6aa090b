import { context, trace } from '@opentelemetry/api';
import { captureLines } from '../testing/capture-logger';
import { useTestTracer } from '../testing/test-tracer';
import pino from 'pino';
import { callLineWriter, type CallLine } from './call-line';
import { createLogger } from './create-logger';

const capture = captureLines;

const line: CallLine = {
  method: '/shop.orders.v1.OrderService/GetOrder',
  requestId: 'req-1',
  code: 'NOT_FOUND',
  durationMs: 1.25,
  userId: 'user "quoted" \\ name',
  caller: 'orders',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
};

describe('callLineWriter', () => {
  const { provider } = useTestTracer();

  it('writes the same JSON object pino writes for the same fields', async () => {
    const fast = capture();
    const slow = capture();
    const writer = callLineWriter(createLogger({ service: 'orders', level: 'info', destination: fast.destination }).child({ shard: 'a' }));
    writer!(line);
    const slowLog = createLogger({ service: 'orders', level: 'info', destination: slow.destination }).child({ shard: 'a' });
    // pino takes trace ids from the active span (the mixin); give it that span.
    const span = provider.getTracer('t').startSpan('x');
    const spanCtx = { ...span.spanContext(), traceId: line.traceId!, spanId: line.spanId! };
    context.with(trace.setSpanContext(context.active(), spanCtx), () =>
      slowLog.info(
        { method: line.method, request_id: line.requestId, code: line.code, duration_ms: line.durationMs, user_id: line.userId, caller: line.caller },
        'call',
      ),
    );
    span.end();
    expect(fast.lines).toHaveLength(1);
    expect(fast.lines[0].endsWith('}\n')).toBe(true);
    const a = JSON.parse(fast.lines[0]) as Record<string, unknown>;
    const b = JSON.parse(slow.lines[0]) as Record<string, unknown>;
    expect(typeof a.time).toBe('string');
    expect({ ...a, time: 0 }).toEqual({ ...b, time: 0 });
    expect(a.user_id).toBe(line.userId);
  });

  it('leaves out what a call does not have', () => {
    const out = capture();
    callLineWriter(createLogger({ service: 's', level: 'info', destination: out.destination }))!({
      ...line,
      userId: undefined,
      caller: undefined,
      traceId: undefined,
      spanId: undefined,
    });
    const record = JSON.parse(out.lines[0]) as Record<string, unknown>;
    expect(Object.keys(record).sort()).toEqual(['code', 'duration_ms', 'level', 'method', 'msg', 'request_id', 'service', 'time']);
  });

  it('honours the logger level', () => {
    const out = capture();
    callLineWriter(createLogger({ service: 's', level: 'warn', destination: out.destination }))!(line);
    expect(out.lines).toHaveLength(0);
  });

  it('declines loggers it does not know the format of', () => {
    expect(callLineWriter(pino({ base: null }, capture().destination))).toBeUndefined();
  });
});
