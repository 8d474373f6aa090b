import { status as Code } from '@grpc/grpc-js';
import { alreadyExists, DomainError, failedPrecondition } from '@shop/kit';
import type { PaymentRecord, RefundRecord } from './types';

/** paymentDeclined is the answer to a Charge whose payment the provider declined: FAILED_PRECONDITION / PAYMENT_DECLINED, message readable by the customer. */
export function paymentDeclined(payment: PaymentRecord): DomainError {
  return failedPrecondition('PAYMENT_DECLINED', payment.failureReason || 'Your card was declined.', {
    metadata: { payment_id: payment.id, payment_state: payment.state },
  });
}

/**
 * chargeUnavailable is the answer when the provider failed, timed out or
 * its breaker is open: UNAVAILABLE / PAYMENT_PROVIDER_UNAVAILABLE with
 * RetryInfo. metadata.payment_state tells the caller what it may conclude:
 * FAILED means nothing was taken; PENDING means the outcome is not known yet
 * (repeat the Charge with the same key later; it asks the provider first).
 */
export function chargeUnavailable(payment: PaymentRecord, retryAfterMs: number): DomainError {
  const outcome = payment.state === 'PENDING' ? 'the outcome of the charge is not known yet' : 'nothing was charged';
  return new DomainError(Code.UNAVAILABLE, 'PAYMENT_PROVIDER_UNAVAILABLE', `the payment provider is unavailable: ${outcome}; retry with the same idempotency key`, {
    metadata: { payment_id: payment.id, payment_state: payment.state },
    retryAfterMs,
  });
}

/**
 * refundUnavailable is the answer when the provider could not be asked to
 * refund: UNAVAILABLE / PAYMENT_PROVIDER_UNAVAILABLE with RetryInfo.
 * metadata.refund_state is FAILED (nothing was given back) or PENDING (not
 * known yet; the reconciler finishes it, and a repeat with the same key
 * asks again).
 */
export function refundUnavailable(payment: PaymentRecord, refund: RefundRecord, retryAfterMs: number): DomainError {
  const outcome = refund.state === 'PENDING' ? 'the outcome of the refund is not known yet' : 'nothing was refunded';
  return new DomainError(Code.UNAVAILABLE, 'PAYMENT_PROVIDER_UNAVAILABLE', `the payment provider is unavailable: ${outcome}; retry with the same idempotency key`, {
    metadata: { payment_id: payment.id, refund_id: refund.id, refund_state: refund.state },
    retryAfterMs,
  });
}

/** keyReused is the answer to a key already used with another request: ALREADY_EXISTS / IDEMPOTENCY_KEY_REUSED. */
export function keyReused(kind: 'charge' | 'refund', key: string): DomainError {
  return alreadyExists(
    kind === 'charge' ? 'payment' : 'refund',
    key,
    'IDEMPOTENCY_KEY_REUSED',
    `idempotency_key ${JSON.stringify(key)} was already used for another ${kind} request`,
  );
}

/**
 * orderAlreadyPaid refuses a charge under a new key for an order that
 * already has a live payment (captured, or pending and possibly captured):
 * ALREADY_EXISTS with ResourceInfo naming that payment.
 */
export function orderAlreadyPaid(existing: PaymentRecord): DomainError {
  return alreadyExists(
    'payment',
    existing.id,
    'ALREADY_EXISTS',
    `order ${JSON.stringify(existing.orderId)} already has payment ${existing.id} (${existing.state}); a second charge is refused`,
    { metadata: { order_id: existing.orderId, payment_state: existing.state } },
  );
}

/** invalidState refuses an operation the payment's state does not allow: FAILED_PRECONDITION / INVALID_STATE, naming the state. */
export function invalidState(payment: PaymentRecord, message: string): DomainError {
  return failedPrecondition('INVALID_STATE', message, { metadata: { payment_id: payment.id, payment_state: payment.state } });
}
