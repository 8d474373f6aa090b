import { chargeInput, refundInput } from './requests';

const charge = {
  idempotencyKey: 'order-1-charge',
  orderId: 'order-1',
  userId: 'ada',
  amount: { currencyCode: 'EUR', amountMinor: 1999n },
  paymentToken: 'tok_approve',
};

// What a request may hold is the contract's (buf.validate); its refusals are
// tested in test/contracts/request-rules.test.ts.

describe('chargeInput', () => {
  it('reads a valid request', () => {
    expect(chargeInput(charge)).toMatchObject({ idempotencyKey: 'order-1-charge', orderId: 'order-1', userId: 'ada', currency: 'EUR', amount: 1999n, token: 'tok_approve' });
  });

  it('hashes the request without its key, so any change but the key is another request', () => {
    const base = chargeInput(charge).requestHash;
    expect(chargeInput({ ...charge, idempotencyKey: 'other' }).requestHash).toBe(base);
    expect(chargeInput({ ...charge, paymentToken: 'tok_decline' }).requestHash).not.toBe(base);
    expect(chargeInput({ ...charge, amount: { currencyCode: 'EUR', amountMinor: 2000n } }).requestHash).not.toBe(base);
    expect(chargeInput({ ...charge, orderId: 'order-2' }).requestHash).not.toBe(base);
  });
});

describe('refundInput', () => {
  const id = '6f1c1a52-8d1e-4c1b-9d7a-0a4a3c2b1e0f';

  it('reads an optional amount and tells "the rest" apart from an amount in the hash', () => {
    const rest = refundInput({ paymentId: id, idempotencyKey: 'r-1', reason: '' });
    expect(rest.amount).toBeUndefined();
    const part = refundInput({ paymentId: id, idempotencyKey: 'r-1', amount: { currencyCode: 'EUR', amountMinor: 5n }, reason: '' });
    expect(part.amount).toEqual({ currency: 'EUR', amount: 5n });
    expect(part.requestHash).not.toBe(rest.requestHash);
  });
});
