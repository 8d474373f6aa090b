import { isSameReservation } from './same-reservation';

const stored = { orderId: 'o-1', items: [{ sku: 'A-1', quantity: 2n }, { sku: 'B-1', quantity: 1n }] };

describe('isSameReservation', () => {
  it('matches the same order and quantities in any item order', () => {
    expect(isSameReservation(stored, { orderId: 'o-1', items: [{ sku: 'B-1', quantity: 1n }, { sku: 'A-1', quantity: 2n }] })).toBe(true);
  });

  it('differs on another order, another quantity, a missing or an extra item', () => {
    expect(isSameReservation(stored, { ...stored, orderId: 'o-2' })).toBe(false);
    expect(isSameReservation(stored, { orderId: 'o-1', items: [{ sku: 'A-1', quantity: 3n }, { sku: 'B-1', quantity: 1n }] })).toBe(false);
    expect(isSameReservation(stored, { orderId: 'o-1', items: [{ sku: 'A-1', quantity: 2n }] })).toBe(false);
    expect(isSameReservation(stored, { orderId: 'o-1', items: [...stored.items, { sku: 'C-1', quantity: 1n }] })).toBe(false);
    expect(isSameReservation(stored, { orderId: 'o-1', items: [{ sku: 'A-1', quantity: 2n }, { sku: 'C-1', quantity: 1n }] })).toBe(false);
  });
});
