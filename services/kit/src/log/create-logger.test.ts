import { captureLines } from '../testing/capture-logger';
import { useTestTracer } from '../testing/test-tracer';
import { createLogger } from './create-logger';

const capture = captureLines;

describe('createLogger', () => {
  it('writes one JSON object a line with service, ISO time and the level as a label', () => {
    const { lines, destination, records } = capture();
    const logger = createLogger({ service: 'orders', level: 'info', destination });
    logger.info({ orderId: 'o-1' }, 'order placed');
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    const [record] = records();
    expect(record).toEqual({ level: 'info', time: expect.any(String), service: 'orders', orderId: 'o-1', msg: 'order placed' });
    expect(new Date(record.time as string).toISOString()).toBe(record.time);
  });

  it('drops calls below the configured level', () => {
    const { records, destination } = capture();
    const logger = createLogger({ service: 'orders', level: 'warn', destination });
    logger.info('quiet');
    logger.error('loud');
    expect(records().map((r) => [r.level, r.msg])).toEqual([['error', 'loud']]);
  });

  it('redacts secrets at the top level and nested one and two objects deep', () => {
    const { records, destination } = capture();
    const logger = createLogger({ service: 'users', level: 'info', destination });
    logger.info(
      {
        password: 'LEAK-p0',
        newPassword: 'LEAK-p1',
        currentPassword: 'LEAK-p2',
        token: 'LEAK-t0',
        secret: 'LEAK-s0',
        authorization: 'Bearer LEAK-a0',
        user: { email: 'a@example.com', password: 'LEAK-p3', refreshToken: 'LEAK-r1' },
        response: { accessToken: 'LEAK-a1', refreshToken: 'LEAK-r2' },
        metadata: { authorization: 'Bearer LEAK-a2', 'x-request-id': 'req-1' },
        req: { headers: { authorization: 'Bearer LEAK-a3', host: 'shop' } },
        config: { signing: { secret: 'LEAK-s1', token: 'LEAK-t1' } },
      },
      'signed in',
    );
    const [record] = records();
    expect(record).toMatchObject({
      password: '[redacted]',
      newPassword: '[redacted]',
      currentPassword: '[redacted]',
      token: '[redacted]',
      secret: '[redacted]',
      authorization: '[redacted]',
      user: { email: 'a@example.com', password: '[redacted]', refreshToken: '[redacted]' },
      response: { accessToken: '[redacted]', refreshToken: '[redacted]' },
      metadata: { authorization: '[redacted]', 'x-request-id': 'req-1' },
      req: { headers: { authorization: '[redacted]', host: 'shop' } },
      config: { signing: { secret: '[redacted]', token: '[redacted]' } },
    });
    expect(JSON.stringify(record)).not.toContain('LEAK');
  });

  it('redacts secrets bound to a child logger', () => {
    const { records, destination } = capture();
    const logger = createLogger({ service: 'users', level: 'info', destination }).child({ call: { authorization: 'Bearer leak' } });
    logger.info('child line');
    expect(records()[0]).toMatchObject({ call: { authorization: '[redacted]' } });
  });

  it('leaves the logged object itself untouched', () => {
    const { destination } = capture();
    const logger = createLogger({ service: 'users', level: 'info', destination });
    const input = { user: { password: 'kept' } };
    logger.info(input, 'x');
    expect(input.user.password).toBe('kept');
  });

  describe('inside a span', () => {
    const { provider } = useTestTracer();

    it('adds trace_id and span_id of the active span', async () => {
      const { records, destination } = capture();
      const logger = createLogger({ service: 'orders', level: 'info', destination });
      const tracer = provider.getTracer('test');
      logger.info('before');
      const ids = await tracer.startActiveSpan('PlaceOrder', async (span) => {
        // An await in between: the span must still be found through async context.
        await new Promise((resolve) => setImmediate(resolve));
        logger.info('inside');
        span.end();
        return span.spanContext();
      });
      logger.info('after');
      const [before, inside, after] = records();
      expect(before).not.toHaveProperty('trace_id');
      expect(inside).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId, msg: 'inside' });
      expect(inside.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(after).not.toHaveProperty('trace_id');
    });

    it('lets a field of the log call win over the mixin', () => {
      const { records, destination } = capture();
      const logger = createLogger({ service: 'orders', level: 'info', destination });
      provider.getTracer('test').startActiveSpan('x', (span) => {
        logger.info({ span_id: 'explicit' }, 'override');
        span.end();
      });
      expect(records()[0].span_id).toBe('explicit');
    });
  });
});
