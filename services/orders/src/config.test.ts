import { z } from 'zod';
import { ordersEnv } from './config';
import { parseDurationMs } from '@shop/kit';

const schema = z.object(ordersEnv);

describe('the orders configuration', () => {
  it('defaults to the npm start addresses, a saga that waits 2 s, recovers every 2 s and retries a step for 45 s, and the shared exchange', () => {
    expect(schema.parse({})).toMatchObject({
      CATALOG_ADDRESS: '127.0.0.1:50052',
      INVENTORY_ADDRESS: '127.0.0.1:50053',
      PAYMENTS_ADDRESS: '127.0.0.1:50055',
      SHIPPING_ADDRESS: '127.0.0.1:50056',
      PLACE_ORDER_WAIT: 2_000,
      SAGA_RECOVERY_INTERVAL: 2_000,
      SAGA_LEASE: 30_000,
      RESERVATION_TTL: 15 * 60_000,
      SAGA_STEP_TIMEOUT: 45_000,
      SAGA_STEP_ATTEMPTS: 5,
      EVENTS_EXCHANGE: 'shop.events',
      EVENTS_QUEUE: 'shop.orders',
    });
  });

  it('takes another exchange and queue, so a test run can use its own, and refuses empty names', () => {
    expect(schema.parse({ EVENTS_EXCHANGE: 'shop.events.e2e-1', EVENTS_QUEUE: 'shop.orders.e2e-1' })).toMatchObject({
      EVENTS_EXCHANGE: 'shop.events.e2e-1',
      EVENTS_QUEUE: 'shop.orders.e2e-1',
    });
    expect(schema.safeParse({ EVENTS_EXCHANGE: '' }).success).toBe(false);
    expect(schema.safeParse({ EVENTS_QUEUE: '' }).success).toBe(false);
  });

  it('refuses a step timeout below one second or without a unit', () => {
    expect(schema.parse({ SAGA_STEP_TIMEOUT: '2m' }).SAGA_STEP_TIMEOUT).toBe(120_000);
    expect(schema.safeParse({ SAGA_STEP_TIMEOUT: '500ms' }).success).toBe(false);
    expect(schema.safeParse({ SAGA_STEP_TIMEOUT: '30' }).success).toBe(false);
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
