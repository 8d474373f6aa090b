import { z } from 'zod';
import { shippingEnv } from './config';
import { parseDurationMs } from '@shop/kit';

describe('the shipping configuration', () => {
  const schema = z.object(shippingEnv);

  it('defaults to the orders service on 50054, a two-second ship delay and the shared exchange', () => {
    expect(schema.parse({})).toEqual({
      ORDERS_ADDRESS: '127.0.0.1:50054',
      SHIP_DELAY: 2_000,
      SHIP_POLL_INTERVAL: 10_000,
      SHIP_BATCH: 50,
      EVENTS_POLL_INTERVAL: 200,
      EVENTS_EXCHANGE: 'shop.events',
      EVENTS_QUEUE: 'shop.shipping',
    });
  });

  it('reads durations with a unit and refuses bare numbers', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('2s')).toBe(2_000);
    expect(parseDurationMs('15m')).toBe(900_000);
    expect(parseDurationMs('2')).toBeUndefined();
    expect(schema.safeParse({ SHIP_DELAY: '2' }).success).toBe(false);
    expect(schema.parse({ SHIP_DELAY: '0ms' }).SHIP_DELAY).toBe(0);
  });
});
