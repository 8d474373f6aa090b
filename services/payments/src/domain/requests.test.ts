import { status as Code } from '@grpc/grpc-js';
import { DomainError } from '@shop/kit';
import { parseCharge, parsePaymentId, parseRefund } from './requests';

const charge = {
  idempotencyKey: 'order-1-charge',
  orderId: 'order-1',
  userId: 'ada',
  amount: { currencyCode: 'EUR', amountMinor: '1999' },
  paymentToken: 'tok_approve',
};

function fields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError && err.code === Code.INVALID_ARGUMENT) return err.details.fieldViolations!.map((v) => v.field);
    throw err;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('parseCharge', () => {
  it('reads a valid request', () => {
    expect(parseCharge(charge)).toMatchObject({ idempotencyKey: 'order-1-charge', orderId: 'order-1', userId: 'ada', currency: 'EUR', amount: 1999n, token: 'tok_approve' });
  });

  it('names every bad field at once', () => {
    expect(fields(() => parseCharge({ idempotencyKey: 'x'.repeat(129), orderId: '', userId: 'a b', amount: { currencyCode: 'Eur', amountMinor: '-5' }, paymentToken: 'tok with space' }))).toEqual([
      'idempotency_key',
      'order_id',
      'user_id',
      'amount.currency_code',
      'amount.amount_minor',
      'payment_token',
    ]);
    expect(fields(() => parseCharge({ ...charge, amount: { currencyCode: 'EUR', amountMinor: '1000000000001' } }))).toEqual(['amount.amount_minor']);
    expect(fields(() => parseCharge({ ...charge, amount: undefined }))).toEqual(['amount']);
  });

  it('hashes the request without its key, so any change but the key is another request', () => {
    const base = parseCharge(charge).requestHash;
    expect(parseCharge({ ...charge, idempotencyKey: 'other' }).requestHash).toBe(base);
    expect(parseCharge({ ...charge, paymentToken: 'tok_decline' }).requestHash).not.toBe(base);
    expect(parseCharge({ ...charge, amount: { currencyCode: 'EUR', amountMinor: '2000' } }).requestHash).not.toBe(base);
    expect(parseCharge({ ...charge, orderId: 'order-2' }).requestHash).not.toBe(base);
  });
});

describe('parseRefund', () => {
  const id = '6f1c1a52-8d1e-4c1b-9d7a-0a4a3c2b1e0f';

  it('reads an optional amount and tells "the rest" apart from an amount in the hash', () => {
    const rest = parseRefund({ paymentId: id, idempotencyKey: 'r-1', reason: '' });
    expect(rest.amount).toBeUndefined();
    const part = parseRefund({ paymentId: id, idempotencyKey: 'r-1', amount: { currencyCode: 'EUR', amountMinor: '5' }, reason: '' });
    expect(part.amount).toEqual({ currency: 'EUR', amount: 5n });
    expect(part.requestHash).not.toBe(rest.requestHash);
  });

  it('refuses a malformed payment id, a zero amount and a long reason', () => {
    expect(fields(() => parseRefund({ paymentId: 'nope', idempotencyKey: '', amount: { currencyCode: 'EUR', amountMinor: '0' }, reason: 'x'.repeat(501) }))).toEqual([
      'payment_id',
      'idempotency_key',
      'amount.amount_minor',
      'reason',
    ]);
  });
});

describe('parsePaymentId', () => {
  it('accepts a UUID only', () => {
    expect(parsePaymentId('6f1c1a52-8d1e-4c1b-9d7a-0a4a3c2b1e0f')).toBe('6f1c1a52-8d1e-4c1b-9d7a-0a4a3c2b1e0f');
    expect(fields(() => parsePaymentId(''))).toEqual(['payment_id']);
  });
});
