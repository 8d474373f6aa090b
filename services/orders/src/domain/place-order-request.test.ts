import { DomainError } from '@shop/kit';
import { parsePlaceOrder, type PlaceOrderRequestLike } from './place-order-request';

const PRODUCT = '69040c33-5c8e-59b0-9032-bc23eb34ff6a';
const OTHER = 'a127c789-0e30-5edb-8ec6-394be12a2711';
const ADDRESS = { recipient: 'Ada', lines: ['1 Road'], city: 'London', postalCode: 'N1', region: '', countryCode: 'GB' };

function request(overrides: Partial<PlaceOrderRequestLike> = {}): PlaceOrderRequestLike {
  return { idempotencyKey: 'k-1', items: [{ productId: PRODUCT, quantity: '2' }], shippingAddress: ADDRESS, paymentToken: 'tok_approve', ...overrides };
}

function fieldsOf(req: PlaceOrderRequestLike): string[] {
  try {
    parsePlaceOrder(req);
  } catch (err) {
    if (err instanceof DomainError) return (err.details.fieldViolations ?? []).map((v) => v.field);
    throw err;
  }
  return [];
}

describe('parsePlaceOrder', () => {
  it('accepts a valid request, lower-casing product ids and trimming the address', () => {
    const input = parsePlaceOrder(request({ items: [{ productId: PRODUCT.toUpperCase(), quantity: '1000' }], shippingAddress: { ...ADDRESS, city: ' London ' } }));
    expect(input.items).toEqual([{ productId: PRODUCT, quantity: 1000n }]);
    expect(input.shippingAddress.city).toBe('London');
  });

  it('checks the idempotency key: required, at most 64 printable characters', () => {
    expect(fieldsOf(request({ idempotencyKey: '' }))).toEqual(['idempotency_key']);
    expect(fieldsOf(request({ idempotencyKey: 'k'.repeat(64) }))).toEqual([]);
    expect(fieldsOf(request({ idempotencyKey: 'k'.repeat(65) }))).toEqual(['idempotency_key']);
    expect(fieldsOf(request({ idempotencyKey: 'has space' }))).toEqual(['idempotency_key']);
  });

  it('checks the items: 1 to 100, distinct UUID product ids, quantities 1 to 1000', () => {
    expect(fieldsOf(request({ items: [] }))).toEqual(['items']);
    const many = Array.from({ length: 101 }, (_, i) => ({ productId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, quantity: '1' }));
    expect(fieldsOf(request({ items: many }))).toEqual(['items']);
    expect(fieldsOf(request({ items: many.slice(0, 100) }))).toEqual([]);
    expect(
      fieldsOf(
        request({
          items: [
            { productId: PRODUCT, quantity: '0' },
            { productId: PRODUCT.toUpperCase(), quantity: '1' },
            { productId: 'nope', quantity: '1001' },
            { productId: OTHER, quantity: '-1' },
            { productId: '', quantity: '1' },
          ],
        }),
      ),
    ).toEqual(['items[0].quantity', 'items[1].product_id', 'items[2].product_id', 'items[2].quantity', 'items[3].quantity', 'items[4].product_id']);
  });

  it('checks the shipping address field by field', () => {
    expect(fieldsOf(request({ shippingAddress: undefined }))).toEqual(['shipping_address']);
    expect(fieldsOf(request({ shippingAddress: { ...ADDRESS, recipient: ' ', lines: [], city: '', postalCode: '', countryCode: 'gbr' } }))).toEqual([
      'shipping_address.recipient',
      'shipping_address.lines',
      'shipping_address.city',
      'shipping_address.postal_code',
      'shipping_address.country_code',
    ]);
    expect(fieldsOf(request({ shippingAddress: { ...ADDRESS, lines: ['a', '', 'c', 'd'] } }))).toEqual(['shipping_address.lines', 'shipping_address.lines[1]']);
  });

  it('requires a payment token', () => {
    expect(fieldsOf(request({ paymentToken: '' }))).toEqual(['payment_token']);
  });

  it('hashes the same content the same way and any other content differently', () => {
    const base = parsePlaceOrder(request()).requestHash;
    expect(parsePlaceOrder(request({ idempotencyKey: 'another-key' })).requestHash).toBe(base);
    expect(parsePlaceOrder(request({ items: [{ productId: PRODUCT.toUpperCase(), quantity: '2' }] })).requestHash).toBe(base);
    expect(parsePlaceOrder(request({ items: [{ productId: PRODUCT, quantity: '3' }] })).requestHash).not.toBe(base);
    expect(parsePlaceOrder(request({ paymentToken: 'tok_decline' })).requestHash).not.toBe(base);
    expect(parsePlaceOrder(request({ shippingAddress: { ...ADDRESS, city: 'Paris' } })).requestHash).not.toBe(base);
  });
});
