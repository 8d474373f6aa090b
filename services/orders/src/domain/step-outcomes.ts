import type { Failure, StepOutcome } from './saga';

/**
 * CallFailure is what a step's classifier needs to know about a failed
 * remote call: the gRPC status code, the ErrorInfo reason and metadata, the
 * subjects of a PreconditionFailure and the ResourceInfo name. The saga
 * layer fills it from the SDK's ShopError; the domain stays free of gRPC.
 */
export interface CallFailure {
  code: number;
  reason: string;
  message: string;
  metadata: Readonly<Record<string, string>>;
  preconditionSubjects: readonly string[];
  resourceName: string;
  /** retryAfterMs is the server's RetryInfo hint, when it sent one. */
  retryAfterMs?: number;
}

/** Code mirrors the gRPC status codes the classifiers look at (the numbers are fixed by gRPC). */
export const Code = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

const TRANSIENT: ReadonlySet<number> = new Set([
  Code.CANCELLED,
  Code.UNKNOWN,
  Code.DEADLINE_EXCEEDED,
  Code.RESOURCE_EXHAUSTED,
  Code.ABORTED,
  Code.INTERNAL,
  Code.UNAVAILABLE,
]);

/**
 * isTransient tells whether a failure may go away on a retry, or may even
 * have succeeded (a lost answer): the call is repeated with the same
 * idempotency key, which is safe for every saga step.
 */
export function isTransient(failure: CallFailure): boolean {
  return TRANSIENT.has(failure.code);
}

function retry(failure: CallFailure): StepOutcome {
  const error = `${failure.code} ${failure.reason}: ${failure.message}`.trim();
  return failure.retryAfterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs: failure.retryAfterMs };
}

/** Failures are the sentences a customer reads in failure_reason, with their codes. */
export const Failures = {
  outOfStock(names: readonly string[]): Failure {
    return { message: `Some items are out of stock: ${names.join(', ')}.`, code: 'INSUFFICIENT_STOCK' };
  },
  declined: { message: 'Your payment was declined.', code: 'PAYMENT_DECLINED' } as Failure,
  providerUnavailable: {
    message: 'We could not reach the payment provider, so your order was not completed. Nothing was charged; please try again later.',
    code: 'PAYMENT_PROVIDER_UNAVAILABLE',
  } as Failure,
  paymentFailed: { message: 'Your payment could not be processed, so your order was not completed. Nothing was charged.', code: 'UNSPECIFIED' } as Failure,
  reservationExpired: {
    message: 'Your order took too long to complete and was not placed. Your payment has been refunded.',
    code: 'RESERVATION_EXPIRED',
  } as Failure,
  notCompleted: { message: 'Your order could not be completed. Nothing was charged.', code: 'UNSPECIFIED' } as Failure,
  notCommitted: { message: 'Your order could not be completed. Your payment has been refunded.', code: 'UNSPECIFIED' } as Failure,
};

/**
 * classifyReserve: INSUFFICIENT_STOCK is refused, naming the short products
 * (the PreconditionFailure subjects are SKUs; productNames maps them to the
 * names the customer saw); transient failures are retried; anything else is
 * refused (ReserveStock is all or nothing: nothing is held).
 */
export function classifyReserve(failure: CallFailure, productNames: ReadonlyMap<string, string>): StepOutcome {
  if (failure.code === Code.FAILED_PRECONDITION && failure.reason === 'INSUFFICIENT_STOCK') {
    const names = failure.preconditionSubjects.map((sku) => productNames.get(sku) ?? sku);
    return { kind: 'refused', failure: Failures.outOfStock(names.length > 0 ? names : [...productNames.values()]) };
  }
  if (isTransient(failure)) return retry(failure);
  return { kind: 'refused', failure: Failures.notCompleted };
}

/** TOOK_MONEY are the payment states (shop.payments.v1.PaymentState names) of a payment that captured money. */
const TOOK_MONEY: ReadonlySet<string> = new Set(['CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED']);

/**
 * classifyCharge:
 * - PAYMENT_DECLINED is refused ("Your payment was declined."), nothing taken;
 * - UNAVAILABLE / PAYMENT_PROVIDER_UNAVAILABLE with payment_state FAILED is
 *   refused: the provider is down or its breaker open and nothing was taken,
 *   so the saga compensates at once; with payment_state PENDING the outcome
 *   is not known yet and the charge is retried with the same key (payments
 *   asks the provider before charging anything);
 * - ALREADY_EXISTS / ALREADY_EXISTS means the order already has a payment
 *   (ResourceInfo names it): done when it is captured, retried while pending;
 * - other transient failures are ambiguous (the charge may have been made)
 *   and are retried with the same key;
 * - anything else is refused, nothing taken.
 */
export function classifyCharge(failure: CallFailure): StepOutcome {
  const paymentId = failure.metadata['payment_id'] ?? '';
  const paymentState = failure.metadata['payment_state'] ?? '';
  if (failure.code === Code.FAILED_PRECONDITION && failure.reason === 'PAYMENT_DECLINED') {
    return { kind: 'refused', failure: Failures.declined, paymentId };
  }
  if (failure.code === Code.UNAVAILABLE && failure.reason === 'PAYMENT_PROVIDER_UNAVAILABLE') {
    return paymentState === 'PENDING' ? retry(failure) : { kind: 'refused', failure: Failures.providerUnavailable, paymentId };
  }
  if (failure.code === Code.ALREADY_EXISTS && failure.reason === 'ALREADY_EXISTS' && failure.resourceName !== '') {
    return TOOK_MONEY.has(paymentState) ? { kind: 'done', paymentId: failure.resourceName } : retry(failure);
  }
  if (isTransient(failure)) return retry(failure);
  return { kind: 'refused', failure: Failures.paymentFailed, paymentId };
}

/** classifyCharged: a Charge that answered is done only if the payment is captured; any other state is not final yet. */
export function classifyCharged(payment: { id: string; captured: boolean }): StepOutcome {
  return payment.captured ? { kind: 'done', paymentId: payment.id } : { kind: 'retry', error: 'the payment is not captured yet' };
}

/**
 * classifyCommit: RESERVATION_EXPIRED is refused (its units went back; the
 * payment is refunded), transient failures are retried, anything else
 * (the reservation is gone or was released) is refused.
 */
export function classifyCommit(failure: CallFailure): StepOutcome {
  if (failure.code === Code.FAILED_PRECONDITION && failure.reason === 'RESERVATION_EXPIRED') {
    return { kind: 'refused', failure: Failures.reservationExpired };
  }
  if (isTransient(failure)) return retry(failure);
  return { kind: 'refused', failure: Failures.notCommitted };
}

/**
 * classifyRefund: INVALID_STATE names the payment's state in metadata:
 * REFUNDED means the refund was made already (the saga refunds in full,
 * with one key); DECLINED or FAILED means nothing was taken; anything else
 * (PENDING: the charge's outcome is still open) is retried, like every
 * other failure: a compensation never gives up.
 */
export function classifyRefund(failure: CallFailure): StepOutcome {
  if (failure.code === Code.FAILED_PRECONDITION && failure.reason === 'INVALID_STATE') {
    const state = failure.metadata['payment_state'] ?? '';
    if (state === 'REFUNDED') return { kind: 'done' };
    if (state === 'DECLINED' || state === 'FAILED') return { kind: 'not_captured' };
  }
  return retry(failure);
}

/** classifyRelease: INVALID_STATE means the reservation was committed (or returned): it must be returned instead. Everything else is retried. */
export function classifyRelease(failure: CallFailure): StepOutcome {
  if (failure.code === Code.FAILED_PRECONDITION && failure.reason === 'INVALID_STATE') return { kind: 'committed' };
  return retry(failure);
}

/**
 * classifyReturn: INVALID_STATE means the reservation was never committed
 * (active, released or expired): release it instead, which is a no-op for
 * released and expired ones. NOT_FOUND means nothing is held. Everything
 * else is retried.
 */
export function classifyReturn(failure: CallFailure): StepOutcome {
  if (failure.code === Code.FAILED_PRECONDITION && failure.reason === 'INVALID_STATE') return { kind: 'active' };
  if (failure.code === Code.NOT_FOUND) return { kind: 'done' };
  return retry(failure);
}
