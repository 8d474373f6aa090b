import { sortBySku, toAdjustStock, toReserveStock, toSetStock } from './requests';

// What a request may hold is the contract's (buf.validate); its refusals are
// tested in test/contracts/request-rules.test.ts. These tests cover turning
// a valid request into an operation's input.

const item = (sku: string, quantity: string) => ({ sku, quantity: BigInt(quantity) });
const reserve = (over: Partial<Parameters<typeof toReserveStock>[0]> = {}) =>
  toReserveStock({ reservationId: 'res-1', orderId: 'order-1', items: [item('MUG-001', '1')], ttl: undefined, ...over }, 900_000);

describe('toSetStock and toAdjustStock', () => {
  it('read the int64 fields exactly, to the largest count the contract allows', () => {
    expect(toSetStock({ sku: 'MUG-001', onHand: 1000000000000n })).toEqual({ sku: 'MUG-001', onHand: 1_000_000_000_000n });
    expect(toAdjustStock({ sku: 'MUG-001', delta: -5n, reason: 'broken', requestId: 'r-1' })).toEqual({ sku: 'MUG-001', delta: -5n, reason: 'broken', requestId: 'r-1' });
  });
});

describe('toReserveStock', () => {
  it('sorts items by SKU so every transaction locks rows in the same order', () => {
    const input = reserve({ items: [item('ZED-1', '1'), item('ABC-1', '2'), item('MUG-1', '3')] });
    expect(input.items.map((i) => i.sku)).toEqual(['ABC-1', 'MUG-1', 'ZED-1']);
    expect(input.items[0]!.quantity).toBe(2n);
  });

  it('uses the default ttl when none is sent and converts a sent one to milliseconds, never rounding a tiny one to 0', () => {
    expect(reserve().ttlMs).toBe(900_000);
    expect(reserve({ ttl: { seconds: 1n, nanos: 500_000_000 } }).ttlMs).toBe(1_500);
    expect(reserve({ ttl: { seconds: 0n, nanos: 1 } }).ttlMs).toBe(1);
    expect(reserve({ ttl: { seconds: 86400n, nanos: 0 } }).ttlMs).toBe(86_400_000);
  });
});

describe('sortBySku', () => {
  it('orders by code point, not by locale, so dashes sort the same everywhere', () => {
    expect(sortBySku([{ sku: 'A1' }, { sku: 'A-2' }, { sku: 'A-1' }]).map((i) => i.sku)).toEqual(['A-1', 'A-2', 'A1']);
  });
});
