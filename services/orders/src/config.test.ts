import { z } from 'zod';
import { ordersEnv } from './config';
import { parseDurationMs } from '@shop/kit';

const schema = z.object(ordersEnv);

describe('the orders configuration', () => {
  it('defaults to the npm start addresses and a saga that waits 2 s and recovers every 2 s', () => {
    expect(schema.parse({})).toMatchObject({
      CATALOG_ADDRESS: '127.0.0.1:50052',
      INVENTORY_ADDRESS: '127.0.0.1:50053',
      PAYMENTS_ADDRESS: '127.0.0.1:50055',
      SHIPPING_ADDRESS: '127.0.0.1:50056',
      PLACE_ORDER_WAIT: 2_000,
      SAGA_RECOVERY_INTERVAL: 2_000,
      SAGA_LEASE: 30_000,
      RESERVATION_TTL: 15 * 60_000,
    });
  });

  it('reads durations with a unit and refuses bare numbers and values out of range', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('15m')).toBe(900_000);
    expect(parseDurationMs('900')).toBeUndefined();
    expect(schema.safeParse({ SAGA_LEASE: '900' }).success).toBe(false);
    expect(schema.safeParse({ RESERVATION_TTL: '10s' }).success).toBe(false);
    expect(schema.safeParse({ SAGA_LEASE: '2s' }).success).toBe(true);
  });
});
