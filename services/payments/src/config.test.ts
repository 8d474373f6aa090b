import { z } from 'zod';
import { DEV_PROVIDER_SECRET, paymentsEnv } from './config';
import { parseDurationMs } from '@shop/kit';

describe('parseDurationMs', () => {
  it('reads durations with a unit and refuses bare numbers', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('3s')).toBe(3_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    for (const text of ['3', '1.5s', '-1s', '5d', '']) expect(parseDurationMs(text)).toBeUndefined();
  });
});

describe('paymentsEnv', () => {
  const schema = z.object(paymentsEnv);

  it('defaults to the local simulator, a 3 s timeout, a breaker at 50% over 10 s, half-open after 5 s, and the shared exchange', () => {
    expect(schema.parse({})).toEqual({
      PAYMENT_PROVIDER_URL: 'http://127.0.0.1:8090',
      PAYMENT_PROVIDER_SECRET: DEV_PROVIDER_SECRET,
      PAYMENT_PROVIDER_NAME: 'simulated',
      PROVIDER_TIMEOUT: 3_000,
      BREAKER_FAILURE_RATE: 0.5,
      BREAKER_WINDOW: 10_000,
      BREAKER_MIN_CALLS: 5,
      BREAKER_HALF_OPEN_AFTER: 5_000,
      RECONCILE_INTERVAL: 5_000,
      RECONCILE_AFTER: 30_000,
      RECONCILE_BATCH: 20,
      EVENTS_EXCHANGE: 'shop.events',
    });
  });

  it('takes another exchange, so a test run can publish to its own, and refuses an empty one', () => {
    expect(schema.parse({ EVENTS_EXCHANGE: 'shop.events.e2e-1' }).EVENTS_EXCHANGE).toBe('shop.events.e2e-1');
    expect(schema.safeParse({ EVENTS_EXCHANGE: '' }).success).toBe(false);
  });

  it('refuses a failure rate outside (0, 1), a URL that is not http(s) and a timeout without a unit', () => {
    for (const env of [{ BREAKER_FAILURE_RATE: '0' }, { BREAKER_FAILURE_RATE: '1' }, { PAYMENT_PROVIDER_URL: 'ftp://x' }, { PROVIDER_TIMEOUT: '3000' }]) {
      expect(schema.safeParse(env).success).toBe(false);
    }
  });
});
