import {
  classifyCharge,
  classifyCharged,
  classifyCommit,
  classifyRefund,
  classifyRelease,
  classifyReserve,
  classifyReturn,
  Code,
  Failures,
  type CallFailure,
} from './step-outcomes';

function failure(code: number, reason = '', extra: Partial<CallFailure> = {}): CallFailure {
  return { code, reason, message: 'm', metadata: {}, preconditionSubjects: [], resourceName: '', ...extra };
}

describe('classifyReserve', () => {
  it('refuses INSUFFICIENT_STOCK naming the short products by the names the customer saw', () => {
    const names = new Map([
      ['MUG-001', 'Stoneware Mug'],
      ['KETTLE-002', 'Gooseneck Kettle'],
    ]);
    const outcome = classifyReserve(failure(Code.FAILED_PRECONDITION, 'INSUFFICIENT_STOCK', { preconditionSubjects: ['KETTLE-002', 'UNKNOWN-9'] }), names);
    expect(outcome).toEqual({ kind: 'refused', failure: { message: 'Some items are out of stock: Gooseneck Kettle, UNKNOWN-9.', code: 'INSUFFICIENT_STOCK' } });
  });

  it('retries transient failures and refuses anything else', () => {
    expect(classifyReserve(failure(Code.UNAVAILABLE), new Map()).kind).toBe('retry');
    expect(classifyReserve(failure(Code.DEADLINE_EXCEEDED), new Map()).kind).toBe('retry');
    expect(classifyReserve(failure(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED'), new Map())).toEqual({ kind: 'refused', failure: Failures.notCompleted });
  });

  it('keeps the server\'s RetryInfo hint on a retry', () => {
    expect(classifyReserve(failure(Code.RESOURCE_EXHAUSTED, 'OVERLOADED', { retryAfterMs: 750 }), new Map())).toMatchObject({ kind: 'retry', retryAfterMs: 750 });
  });
});

describe('classifyCharge', () => {
  it('refuses a decline with the customer\'s sentence and the payment id', () => {
    expect(classifyCharge(failure(Code.FAILED_PRECONDITION, 'PAYMENT_DECLINED', { metadata: { payment_id: 'p1' } }))).toEqual({
      kind: 'refused',
      failure: Failures.declined,
      paymentId: 'p1',
    });
  });

  it('refuses a provider outage that took nothing, and retries one whose outcome is still open', () => {
    const failed = classifyCharge(failure(Code.UNAVAILABLE, 'PAYMENT_PROVIDER_UNAVAILABLE', { metadata: { payment_id: 'p', payment_state: 'FAILED' } }));
    expect(failed).toMatchObject({ kind: 'refused', failure: { code: 'PAYMENT_PROVIDER_UNAVAILABLE' } });
    const pending = classifyCharge(failure(Code.UNAVAILABLE, 'PAYMENT_PROVIDER_UNAVAILABLE', { metadata: { payment_id: 'p', payment_state: 'PENDING' } }));
    expect(pending.kind).toBe('retry');
  });

  it('treats an existing captured payment of the order as done, and a pending one as not known yet', () => {
    const captured = failure(Code.ALREADY_EXISTS, 'ALREADY_EXISTS', { resourceName: 'p-7', metadata: { payment_state: 'CAPTURED' } });
    expect(classifyCharge(captured)).toEqual({ kind: 'done', paymentId: 'p-7' });
    expect(classifyCharge({ ...captured, metadata: { payment_state: 'PENDING' } }).kind).toBe('retry');
  });

  it('retries a lost answer (the charge may have been made) and refuses a rejected request', () => {
    expect(classifyCharge(failure(Code.DEADLINE_EXCEEDED)).kind).toBe('retry');
    expect(classifyCharge(failure(Code.UNAVAILABLE)).kind).toBe('retry');
    expect(classifyCharge(failure(Code.INTERNAL)).kind).toBe('retry');
    expect(classifyCharge(failure(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED'))).toMatchObject({ kind: 'refused', failure: Failures.paymentFailed });
  });
});

describe('classifyCharged', () => {
  it('is done only for a captured payment', () => {
    expect(classifyCharged({ id: 'p', captured: true })).toEqual({ kind: 'done', paymentId: 'p' });
    expect(classifyCharged({ id: 'p', captured: false }).kind).toBe('retry');
  });
});

describe('classifyCommit', () => {
  it('refuses an expired reservation, retries transient failures and refuses a released one', () => {
    expect(classifyCommit(failure(Code.FAILED_PRECONDITION, 'RESERVATION_EXPIRED'))).toEqual({ kind: 'refused', failure: Failures.reservationExpired });
    expect(classifyCommit(failure(Code.UNAVAILABLE)).kind).toBe('retry');
    expect(classifyCommit(failure(Code.FAILED_PRECONDITION, 'INVALID_STATE'))).toEqual({ kind: 'refused', failure: Failures.notCommitted });
  });
});

describe('the compensations', () => {
  it('classifyRefund: done when already refunded, not captured for a declined or failed payment, else retried', () => {
    const invalid = (state: string) => failure(Code.FAILED_PRECONDITION, 'INVALID_STATE', { metadata: { payment_state: state } });
    expect(classifyRefund(invalid('REFUNDED'))).toEqual({ kind: 'done' });
    expect(classifyRefund(invalid('DECLINED'))).toEqual({ kind: 'not_captured' });
    expect(classifyRefund(invalid('FAILED'))).toEqual({ kind: 'not_captured' });
    expect(classifyRefund(invalid('PENDING')).kind).toBe('retry');
    expect(classifyRefund(failure(Code.UNAVAILABLE, 'PAYMENT_PROVIDER_UNAVAILABLE')).kind).toBe('retry');
    expect(classifyRefund(failure(Code.PERMISSION_DENIED)).kind).toBe('retry');
  });

  it('classifyRelease: a committed reservation must be returned; everything else is retried', () => {
    expect(classifyRelease(failure(Code.FAILED_PRECONDITION, 'INVALID_STATE'))).toEqual({ kind: 'committed' });
    expect(classifyRelease(failure(Code.UNAVAILABLE)).kind).toBe('retry');
  });

  it('classifyReturn: a reservation that was never committed must be released; an unknown one holds nothing', () => {
    expect(classifyReturn(failure(Code.FAILED_PRECONDITION, 'INVALID_STATE'))).toEqual({ kind: 'active' });
    expect(classifyReturn(failure(Code.NOT_FOUND, 'NOT_FOUND'))).toEqual({ kind: 'done' });
    expect(classifyReturn(failure(Code.DEADLINE_EXCEEDED)).kind).toBe('retry');
  });
});
