import { z } from 'zod';
import { inventoryEnv } from './config';
import { parseDurationMs } from '@shop/kit';

describe('parseDurationMs', () => {
  it('reads milliseconds, seconds, minutes and hours', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('5s')).toBe(5_000);
    expect(parseDurationMs('15m')).toBe(900_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
  });

  it('refuses a bare number, a fraction, a negative and an unknown unit', () => {
    for (const text of ['900', '1.5s', '-5s', '5d', 's', '']) expect(parseDurationMs(text)).toBeUndefined();
  });
});

describe('inventoryEnv', () => {
  const schema = z.object(inventoryEnv);

  it('defaults to a 15 minute ttl, a 5 second sweep, a threshold of 5 and the shared exchange', () => {
    expect(schema.parse({})).toEqual({
      RESERVATION_TTL: 900_000,
      RESERVATION_SWEEP_INTERVAL: 5_000,
      RESERVATION_SWEEP_BATCH: 100,
      LOW_STOCK_THRESHOLD: 5,
      EVENTS_EXCHANGE: 'shop.events',
    });
  });

  it('takes another exchange, so a test run can publish to its own, and refuses an empty one', () => {
    expect(schema.parse({ EVENTS_EXCHANGE: 'shop.events.e2e-1' }).EVENTS_EXCHANGE).toBe('shop.events.e2e-1');
    expect(schema.safeParse({ EVENTS_EXCHANGE: '' }).success).toBe(false);
  });

  it('reads durations with units and refuses a ttl above one day', () => {
    expect(schema.parse({ RESERVATION_TTL: '2h', RESERVATION_SWEEP_INTERVAL: '100ms' })).toMatchObject({
      RESERVATION_TTL: 7_200_000,
      RESERVATION_SWEEP_INTERVAL: 100,
    });
    expect(schema.safeParse({ RESERVATION_TTL: '25h' }).success).toBe(false);
    expect(schema.safeParse({ RESERVATION_TTL: '900' }).success).toBe(false);
  });
});
