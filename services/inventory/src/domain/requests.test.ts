import { status as Code } from '@grpc/grpc-js';
import { DomainError } from '@shop/kit';
import { parseAdjustStock, parseReserveStock, parseSetStock, parseSku, parseSkus, sortBySku } from './requests';

/** fieldsOf runs fn, which must throw INVALID_ARGUMENT, and returns the fields it names. */
function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DomainError) || err.code !== Code.INVALID_ARGUMENT) throw err;
    return (err.details.fieldViolations ?? []).map((v) => v.field);
  }
  throw new Error('expected INVALID_ARGUMENT');
}

const item = (sku: string, quantity: string) => ({ sku, quantity });
const reserve = (over: Partial<Parameters<typeof parseReserveStock>[0]> = {}) =>
  parseReserveStock({ reservationId: 'res-1', orderId: 'order-1', items: [item('MUG-001', '1')], ttl: undefined, ...over }, 900_000);

describe('parseSku', () => {
  it('accepts 3 to 64 of A-Z, 0-9 and dashes', () => {
    expect(parseSku('ABC')).toBe('ABC');
    expect(parseSku('A-1')).toBe('A-1');
    expect(parseSku('X'.repeat(64))).toBe('X'.repeat(64));
  });

  it('refuses empty, short, long, lower-case and other characters', () => {
    for (const sku of ['', 'AB', 'X'.repeat(65), 'abc', 'MUG_001', 'MUG 001', 'MÜG-1']) expect(fieldsOf(() => parseSku(sku))).toEqual(['sku']);
  });
});

describe('parseSkus', () => {
  it('names each malformed SKU by its index and refuses an empty or oversized list', () => {
    expect(fieldsOf(() => parseSkus(['OK-1', 'no', 'OK-2', '']))).toEqual(['skus[1]', 'skus[3]']);
    expect(fieldsOf(() => parseSkus([]))).toEqual(['skus']);
    expect(fieldsOf(() => parseSkus(Array.from({ length: 101 }, () => 'SKU-1')))).toEqual(['skus']);
    expect(parseSkus(Array.from({ length: 100 }, () => 'SKU-1'))).toHaveLength(100);
  });
});

describe('parseSetStock', () => {
  it('accepts 0 and reads on_hand as a bigint', () => {
    expect(parseSetStock({ sku: 'MUG-001', onHand: '0' })).toEqual({ sku: 'MUG-001', onHand: 0n });
    expect(parseSetStock({ sku: 'MUG-001', onHand: '1000000000000' }).onHand).toBe(1_000_000_000_000n);
  });

  it('refuses negative, fractional and absurd counts and reports both fields at once', () => {
    expect(fieldsOf(() => parseSetStock({ sku: 'MUG-001', onHand: '-1' }))).toEqual(['on_hand']);
    expect(fieldsOf(() => parseSetStock({ sku: 'MUG-001', onHand: '1.5' }))).toEqual(['on_hand']);
    expect(fieldsOf(() => parseSetStock({ sku: 'MUG-001', onHand: '1000000000001' }))).toEqual(['on_hand']);
    expect(fieldsOf(() => parseSetStock({ sku: 'x', onHand: '-1' }))).toEqual(['sku', 'on_hand']);
  });
});

describe('parseAdjustStock', () => {
  const adjust = (delta: string, extra: { reason?: string; requestId?: string } = {}) =>
    parseAdjustStock({ sku: 'MUG-001', delta, reason: extra.reason ?? '', requestId: extra.requestId ?? '' });

  it('accepts positive and negative deltas', () => {
    expect(adjust('5').delta).toBe(5n);
    expect(adjust('-5', { reason: 'broken', requestId: 'r-1' })).toEqual({ sku: 'MUG-001', delta: -5n, reason: 'broken', requestId: 'r-1' });
  });

  it('refuses a zero delta, an overlong reason and a request_id with spaces', () => {
    expect(fieldsOf(() => adjust('0'))).toEqual(['delta']);
    expect(fieldsOf(() => adjust('1', { reason: 'x'.repeat(501) }))).toEqual(['reason']);
    expect(fieldsOf(() => adjust('1', { requestId: 'has space' }))).toEqual(['request_id']);
  });
});

describe('parseReserveStock', () => {
  it('sorts items by SKU so every transaction locks rows in the same order', () => {
    const input = reserve({ items: [item('ZED-1', '1'), item('ABC-1', '2'), item('MUG-1', '3')] });
    expect(input.items.map((i) => i.sku)).toEqual(['ABC-1', 'MUG-1', 'ZED-1']);
    expect(input.items[0]!.quantity).toBe(2n);
  });

  it('uses the default ttl when none is sent and converts a sent one to milliseconds', () => {
    expect(reserve().ttlMs).toBe(900_000);
    expect(reserve({ ttl: { seconds: '1', nanos: 500_000_000 } }).ttlMs).toBe(1_500);
    expect(reserve({ ttl: { seconds: '0', nanos: 1 } }).ttlMs).toBe(1);
    expect(reserve({ ttl: { seconds: '86400', nanos: 0 } }).ttlMs).toBe(86_400_000);
  });

  it('refuses a zero, negative or longer than one day ttl', () => {
    expect(fieldsOf(() => reserve({ ttl: { seconds: '0', nanos: 0 } }))).toEqual(['ttl']);
    expect(fieldsOf(() => reserve({ ttl: { seconds: '-5', nanos: 0 } }))).toEqual(['ttl']);
    expect(fieldsOf(() => reserve({ ttl: { seconds: '86400', nanos: 1 } }))).toEqual(['ttl']);
  });

  it('refuses quantities outside 1 to 1000, repeated SKUs, and no or too many items', () => {
    expect(reserve({ items: [item('MUG-1', '1000')] }).items[0]!.quantity).toBe(1000n);
    expect(fieldsOf(() => reserve({ items: [item('MUG-1', '0'), item('CUP-1', '1001')] }))).toEqual(['items[0].quantity', 'items[1].quantity']);
    expect(fieldsOf(() => reserve({ items: [item('MUG-1', '1'), item('MUG-1', '2')] }))).toEqual(['items[1].sku']);
    expect(fieldsOf(() => reserve({ items: [] }))).toEqual(['items']);
    const many = Array.from({ length: 101 }, (_, i) => item(`SKU-${i}`, '1'));
    expect(fieldsOf(() => reserve({ items: many }))).toEqual(['items']);
  });

  it('requires both ids', () => {
    expect(fieldsOf(() => reserve({ reservationId: '', orderId: '' }))).toEqual(['reservation_id', 'order_id']);
    expect(fieldsOf(() => reserve({ reservationId: 'x'.repeat(129) }))).toEqual(['reservation_id']);
  });
});

describe('sortBySku', () => {
  it('orders by code point, not by locale, so dashes sort the same everywhere', () => {
    expect(sortBySku([{ sku: 'A1' }, { sku: 'A-2' }, { sku: 'A-1' }]).map((i) => i.sku)).toEqual(['A-1', 'A-2', 'A1']);
  });
});
