import { invalidArgument } from '@shop/kit';
import type { Amount } from './money';
import { invalidState, keyReused } from './payment-errors';
import type { PaymentRecord, PaymentStateName } from './types';

/**
 * ChargeStep is what a repeated Charge does with the payment stored under
 * its key:
 * - answer: the payment is captured (or refunded since): return it;
 * - declined: fail again with the decline;
 * - retry: FAILED took nothing, so charge again through the provider with the same key;
 * - wait: another call is talking to the provider right now: wait for its outcome;
 * - reconcile: an earlier call left the outcome unknown: ask the provider
 *   (findCharge) before anything else, and charge with the same key only if
 *   it has no charge under it.
 */
export type ChargeStep = 'answer' | 'declined' | 'retry' | 'wait' | 'reconcile';

/**
 * chargeStepFor decides a repeat's step from the stored payment; leased says
 * whether its lease (attempt_until) is still running by the database clock.
 * The same key with another request (order, user, amount, currency or
 * token) is refused with IDEMPOTENCY_KEY_REUSED, whatever the state.
 */
export function chargeStepFor(payment: PaymentRecord, requestHash: string, leased: boolean): ChargeStep {
  if (payment.requestHash !== requestHash) throw keyReused('charge', payment.idempotencyKey);
  switch (payment.state) {
    case 'CAPTURED':
    case 'PARTIALLY_REFUNDED':
    case 'REFUNDED':
      return 'answer';
    case 'DECLINED':
      return 'declined';
    case 'FAILED':
      return 'retry';
    case 'PENDING':
      return leased ? 'wait' : 'reconcile';
  }
}

/** isRefundable tells whether a payment in this state can give money back. */
export function isRefundable(state: PaymentStateName): boolean {
  return state === 'CAPTURED' || state === 'PARTIALLY_REFUNDED';
}

/**
 * refundAmountFor decides how much a new refund gives back: the requested
 * amount, or everything left when none was requested. What is left is the
 * amount minus what was refunded and what pending refunds hold. It refuses
 * a payment that holds no captured money, another currency, and more than
 * what is left.
 */
export function refundAmountFor(payment: PaymentRecord, pending: bigint, requested: Amount | undefined): bigint {
  if (!isRefundable(payment.state)) {
    throw invalidState(payment, `payment ${payment.id} is ${payment.state}; only CAPTURED or PARTIALLY_REFUNDED payments can be refunded`);
  }
  if (requested !== undefined && requested.currency !== payment.currency) {
    throw invalidArgument([{ field: 'amount.currency_code', description: `must be the payment's currency, ${payment.currency}` }]);
  }
  const left = payment.amount - payment.refunded - pending;
  if (left <= 0n) throw invalidState(payment, `nothing is left to refund on payment ${payment.id}`);
  const amount = requested?.amount ?? left;
  if (amount > left) throw invalidState(payment, `a refund of ${amount} is more than the ${left} left to refund on payment ${payment.id}`);
  return amount;
}

/** stateAfterRefund is the payment's state once refundedAfter of amount has been given back. */
export function stateAfterRefund(amount: bigint, refundedAfter: bigint): 'PARTIALLY_REFUNDED' | 'REFUNDED' {
  return refundedAfter >= amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
}

const DECLINE_REASONS: Readonly<Record<string, string>> = {
  insufficient_funds: 'Your card has insufficient funds.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: "Your card's security code is incorrect.",
  invalid_token: 'Your payment method is not valid.',
};

/**
 * declineReason turns a provider's decline code into a sentence a customer
 * can read. Codes that would tell a fraudster too much (lost_card,
 * stolen_card, fraudulent) and unknown ones read "Your card was declined.".
 */
export function declineReason(code: string): string {
  return Object.hasOwn(DECLINE_REASONS, code) ? DECLINE_REASONS[code]! : 'Your card was declined.';
}

/** FAILED_REASON is failure_reason of a payment that failed for a technical reason: nothing was taken. */
export const FAILED_REASON = 'The payment could not be processed and nothing was charged. Please try again later.';
