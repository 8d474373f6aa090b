import { toPlaceOrder, type PlaceOrderRequestLike } from './place-order-request';

const PRODUCT = '69040c33-5c8e-59b0-9032-bc23eb34ff6a';
const ADDRESS = { recipient: 'Ada', lines: ['1 Road'], city: 'London', postalCode: 'N1', region: '', countryCode: 'GB' };

function request(overrides: Partial<PlaceOrderRequestLike> = {}): PlaceOrderRequestLike {
  return { idempotencyKey: 'k-1', items: [{ productId: PRODUCT, quantity: 2n }], shippingAddress: ADDRESS, paymentToken: 'tok_approve', ...overrides };
}

// What a request may hold is the contract's (buf.validate); its refusals are
// tested in test/contracts/request-rules.test.ts.

describe('toPlaceOrder', () => {
  it('reads a valid request, lower-casing product ids and trimming blanks around the address fields', () => {
    const input = toPlaceOrder(request({ items: [{ productId: PRODUCT.toUpperCase(), quantity: 1000n }], shippingAddress: { ...ADDRESS, city: ' London ', lines: ['1 Road  ', ' 2'] } }));
    expect(input.items).toEqual([{ productId: PRODUCT, quantity: 1000n }]);
    expect(input.shippingAddress.city).toBe('London');
    expect(input.shippingAddress.lines).toEqual(['1 Road', '2']);
  });

  it('hashes the same content the same way and any other content differently', () => {
    const base = toPlaceOrder(request()).requestHash;
    expect(toPlaceOrder(request({ idempotencyKey: 'another-key' })).requestHash).toBe(base);
    expect(toPlaceOrder(request({ items: [{ productId: PRODUCT.toUpperCase(), quantity: 2n }] })).requestHash).toBe(base);
    expect(toPlaceOrder(request({ items: [{ productId: PRODUCT, quantity: 3n }] })).requestHash).not.toBe(base);
    expect(toPlaceOrder(request({ paymentToken: 'tok_decline' })).requestHash).not.toBe(base);
    expect(toPlaceOrder(request({ shippingAddress: { ...ADDRESS, city: 'Paris' } })).requestHash).not.toBe(base);
  });
});
