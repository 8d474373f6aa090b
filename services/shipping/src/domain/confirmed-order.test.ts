import type { OrderConfirmed } from '@shop/sdk/ts/shop/events/v1/order_events';
import { confirmedOrderOf } from './confirmed-order';

function event(overrides: Partial<OrderConfirmed> = {}): OrderConfirmed {
  return {
    orderId: 'o-1',
    userId: 'ada',
    items: [],
    total: undefined,
    shippingAddress: { recipient: 'Ada', lines: ['1 Main St'], city: 'Berlin', postalCode: '10115', region: '', countryCode: 'DE' },
    paymentId: 'pay-1',
    ...overrides,
  };
}

function line(sku: string, quantity: string) {
  return { productId: `p-${sku}`, sku, name: sku, quantity: BigInt(quantity), unitPrice: undefined, lineTotal: undefined };
}

describe('confirmedOrderOf', () => {
  it('adds up lines of the same SKU, keeping the order SKUs first appear in', () => {
    const result = confirmedOrderOf(event({ items: [line('MUG-1', '2'), line('TEE-2', '1'), line('MUG-1', '3')] }));
    expect(result).toEqual({
      ok: true,
      order: {
        orderId: 'o-1',
        userId: 'ada',
        address: event().shippingAddress,
        items: [
          { sku: 'MUG-1', quantity: 5n },
          { sku: 'TEE-2', quantity: 1n },
        ],
      },
    });
  });

  it('refuses an event without an order id or a user id', () => {
    expect(confirmedOrderOf(event({ orderId: '' }))).toEqual({ ok: false, problem: 'the event has no order_id' });
    expect(confirmedOrderOf(event({ userId: '' }))).toEqual({ ok: false, problem: 'the event has no user_id' });
  });

  it('refuses a line without a SKU or with a quantity below one', () => {
    expect(confirmedOrderOf(event({ items: [line('', '1')] }))).toEqual({ ok: false, problem: 'items[0] has no sku' });
    expect(confirmedOrderOf(event({ items: [line('A-1', '1'), line('B-2', '0')] }))).toEqual({
      ok: false,
      problem: 'items[1].quantity must be 1 or more, got 0',
    });
    expect(confirmedOrderOf(event({ items: [line('A-1', '-4')] })).ok).toBe(false);
  });
});
