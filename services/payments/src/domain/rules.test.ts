import { status as Code } from '@grpc/grpc-js';
import { DomainError } from '@shop/kit';
import { chargeStepFor, declineReason, refundAmountFor, stateAfterRefund } from './rules';
import type { PaymentRecord, PaymentStateName } from './types';

function payment(state: PaymentStateName, over: Partial<PaymentRecord> = {}): PaymentRecord {
  const now = new Date();
  return {
    id: 'p-1',
    idempotencyKey: 'key-1',
    requestHash: 'hash-1',
    orderId: 'order-1',
    userId: 'ada',
    currency: 'EUR',
    amount: 1000n,
    refunded: 0n,
    state,
    provider: 'simulated',
    providerReference: '',
    failureReason: '',
    attempts: 1,
    attemptUntil: null,
    createTime: now,
    updateTime: now,
    refunds: [],
    ...over,
  };
}

function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('chargeStepFor', () => {
  it('answers captured and refunded payments, repeats declines, retries failures', () => {
    expect(chargeStepFor(payment('CAPTURED'), 'hash-1', false)).toBe('answer');
    expect(chargeStepFor(payment('PARTIALLY_REFUNDED'), 'hash-1', false)).toBe('answer');
    expect(chargeStepFor(payment('REFUNDED'), 'hash-1', false)).toBe('answer');
    expect(chargeStepFor(payment('DECLINED'), 'hash-1', false)).toBe('declined');
    expect(chargeStepFor(payment('FAILED'), 'hash-1', false)).toBe('retry');
  });

  it('waits for a pending payment while its lease runs, and reconciles it once the lease is over', () => {
    expect(chargeStepFor(payment('PENDING'), 'hash-1', true)).toBe('wait');
    expect(chargeStepFor(payment('PENDING'), 'hash-1', false)).toBe('reconcile');
  });

  it('refuses another request under the same key whatever the state', () => {
    for (const state of ['PENDING', 'CAPTURED', 'DECLINED', 'FAILED'] as const) {
      const err = thrown(() => chargeStepFor(payment(state), 'hash-2', false));
      expect([err.code, err.reason]).toEqual([Code.ALREADY_EXISTS, 'IDEMPOTENCY_KEY_REUSED']);
    }
  });
});

describe('refundAmountFor', () => {
  it('refunds what is asked, or everything left after refunds and pending refunds', () => {
    expect(refundAmountFor(payment('CAPTURED'), 0n, { currency: 'EUR', amount: 300n })).toBe(300n);
    expect(refundAmountFor(payment('CAPTURED'), 0n, undefined)).toBe(1000n);
    expect(refundAmountFor(payment('PARTIALLY_REFUNDED', { refunded: 400n }), 100n, undefined)).toBe(500n);
  });

  it('refuses more than is left, nothing left, and a payment that holds no capture, with INVALID_STATE', () => {
    for (const call of [
      () => refundAmountFor(payment('CAPTURED'), 0n, { currency: 'EUR', amount: 1001n }),
      () => refundAmountFor(payment('PARTIALLY_REFUNDED', { refunded: 400n }), 500n, { currency: 'EUR', amount: 101n }),
      () => refundAmountFor(payment('CAPTURED'), 1000n, undefined),
      () => refundAmountFor(payment('PENDING'), 0n, undefined),
      () => refundAmountFor(payment('DECLINED'), 0n, undefined),
      () => refundAmountFor(payment('REFUNDED', { refunded: 1000n }), 0n, undefined),
    ]) {
      const err = thrown(call);
      expect([err.code, err.reason]).toEqual([Code.FAILED_PRECONDITION, 'INVALID_STATE']);
    }
  });

  it('refuses another currency as an invalid argument', () => {
    const err = thrown(() => refundAmountFor(payment('CAPTURED'), 0n, { currency: 'USD', amount: 1n }));
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.details.fieldViolations?.map((v) => v.field)).toEqual(['amount.currency_code']);
  });
});

describe('stateAfterRefund', () => {
  it('is REFUNDED once everything was given back and PARTIALLY_REFUNDED before', () => {
    expect(stateAfterRefund(1000n, 999n)).toBe('PARTIALLY_REFUNDED');
    expect(stateAfterRefund(1000n, 1000n)).toBe('REFUNDED');
  });
});

describe('declineReason', () => {
  it('explains known codes and says no more than "declined" for the rest', () => {
    expect(declineReason('insufficient_funds')).toBe('Your card has insufficient funds.');
    expect(declineReason('stolen_card')).toBe('Your card was declined.');
    expect(declineReason('toString')).toBe('Your card was declined.');
  });
});
