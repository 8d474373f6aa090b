import { randomUUID } from 'node:crypto';
import { failedPrecondition, notFound } from '@shop/kit';
import { invalidState, keyReused, refundUnavailable } from '../domain/payment-errors';
import type { RefundInput } from '../domain/requests';
import { isRefundable, refundAmountFor, stateAfterRefund } from '../domain/rules';
import type { PaymentRecord, RefundRecord } from '../domain/types';
import { isProviderError } from '../provider/types';
import { newLease, type Lease } from '../store/lease';
import { addRefunded, findById } from '../store/payment-repo';
import {
  findRefundByKey,
  insertRefund,
  pendingRefundTotal,
  releaseRefundLease,
  retryFailedRefund,
  settleRefund,
  takeRefundLease,
} from '../store/refund-repo';
import { retryDelayMs, sleep, TX_OPTIONS, type PaymentsDeps } from './deps';
import { refundedEvent } from './payment-events';

/** RefundOutcome is a Refund's answer: the payment after the refund, and the refund. */
export interface RefundOutcome {
  payment: PaymentRecord;
  refund: RefundRecord;
}

type Claim =
  | { kind: 'answer'; outcome: RefundOutcome }
  | { kind: 'wait'; payment: PaymentRecord; refund: RefundRecord }
  | { kind: 'attempt'; payment: PaymentRecord; refund: RefundRecord; lease: Lease }
  | { kind: 'again' };

const MAX_ROUNDS = 1_000;
const WAIT_MS = [20, 250] as const;

/**
 * refund gives back all or part of a captured payment, at most once per
 * idempotency key, never more than was captured:
 *
 * 1. With the payment row locked, the key is looked up. A new key gets a
 *    PENDING refund of the requested amount (or all that is left), checked
 *    against what is left after earlier and pending refunds, so concurrent
 *    refunds cannot add up to more than the capture. A known key with the
 *    same request answers its refund, or finishes it.
 * 2. The provider is asked to refund with the same key, outside any transaction.
 * 3. Success counts the refund on the payment (PARTIALLY_REFUNDED or
 *    REFUNDED) with its event. A refusal marks the refund FAILED (nothing
 *    given back); an ambiguous failure leaves it PENDING for the next
 *    attempt or the reconciler.
 */
export async function refund(deps: PaymentsDeps, input: RefundInput, deadline: number): Promise<RefundOutcome> {
  let pause: number = WAIT_MS[0];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const claim = await claimKey(deps, input);
    switch (claim.kind) {
      case 'answer':
        return claim.outcome;
      case 'attempt':
        return attemptRefund(deps, claim.payment, claim.refund, claim.lease);
      case 'wait':
        if (Date.now() + pause >= deadline) throw refundUnavailable(claim.payment, claim.refund, retryDelayMs(deps.provider));
        await sleep(pause);
        pause = Math.min(pause * 2, WAIT_MS[1]);
        break;
      case 'again':
        break;
    }
  }
  throw new Error(`refund ${input.idempotencyKey}: no decision after ${MAX_ROUNDS} rounds`);
}

async function claimKey(deps: PaymentsDeps, input: RefundInput): Promise<Claim> {
  const lease = newLease(deps.leaseMs);
  return deps.db.transaction(async (tx): Promise<Claim> => {
    // The payment row lock orders every refund of this payment, and its settlement, one after the other.
    const payment = await findById(tx, input.paymentId, { lock: true });
    if (payment === undefined) throw notFound('payment', input.paymentId);
    const found = await findRefundByKey(tx, input.idempotencyKey);
    if (found === undefined) {
      const amount = refundAmountFor(payment, await pendingRefundTotal(tx, payment.id), input.amount);
      const created = await insertRefund(
        tx,
        { id: randomUUID(), paymentId: payment.id, idempotencyKey: input.idempotencyKey, requestHash: input.requestHash, amount, reason: input.reason },
        lease,
      );
      // undefined: the key was just used for a refund of another payment, committed after our lookup.
      return created === undefined ? { kind: 'again' } : { kind: 'attempt', payment, refund: created, lease };
    }
    const { refund: existing } = found;
    if (existing.requestHash !== input.requestHash) throw keyReused('refund', input.idempotencyKey);
    switch (existing.state) {
      case 'SUCCEEDED':
        return { kind: 'answer', outcome: { payment, refund: existing } };
      case 'PENDING': {
        if (found.leased) return { kind: 'wait', payment, refund: existing };
        const taken = await takeRefundLease(tx, existing.id, lease);
        return taken === undefined ? { kind: 'wait', payment, refund: existing } : { kind: 'attempt', payment, refund: taken, lease };
      }
      case 'FAILED': {
        // Nothing was given back; try again if the payment still has that much left.
        if (!isRefundable(payment.state)) throw invalidState(payment, `payment ${payment.id} is ${payment.state} and cannot be refunded`);
        const left = payment.amount - payment.refunded - (await pendingRefundTotal(tx, payment.id));
        if (existing.amount > left) throw invalidState(payment, `a refund of ${existing.amount} is more than the ${left} left to refund on payment ${payment.id}`);
        const retried = await retryFailedRefund(tx, existing.id, lease);
        return retried === undefined ? { kind: 'again' } : { kind: 'attempt', payment, refund: retried, lease };
      }
    }
  }, TX_OPTIONS);
}

async function attemptRefund(deps: PaymentsDeps, payment: PaymentRecord, refund: RefundRecord, lease: Lease): Promise<RefundOutcome> {
  try {
    const answer = await deps.provider.refund({ idempotencyKey: refund.idempotencyKey, providerChargeId: payment.providerReference, amount: refund.amount });
    return await recordRefund(deps, refund, answer.providerRefundId, lease.owner);
  } catch (err) {
    if (!isProviderError(err)) {
      await releaseRefundLease(deps.db, refund.id, lease.owner).catch(() => undefined);
      throw err;
    }
    if (err.ambiguous) {
      await releaseRefundLease(deps.db, refund.id, lease.owner).catch(() => undefined);
      throw refundUnavailable(payment, refund, retryDelayMs(deps.provider));
    }
    const failed = await settleRefund(deps.db, refund.id, { state: 'FAILED', providerReference: '', failureReason: err.message }, lease.owner);
    const current = failed ?? refund;
    if (err.kind === 'rejected') {
      // The provider refuses what the ledger allows: not something a retry fixes.
      throw failedPrecondition('INVALID_STATE', `the payment provider refused the refund (${err.message})`, {
        metadata: { payment_id: payment.id, refund_id: refund.id, refund_state: current.state },
      });
    }
    throw refundUnavailable(payment, current, retryDelayMs(deps.provider));
  }
}

/**
 * recordRefund counts a refund the provider made: the refund SUCCEEDED, the
 * payment's refunded amount and state, and PaymentRefunded, in one
 * transaction. If someone else recorded it first, their result is returned.
 */
export async function recordRefund(deps: PaymentsDeps, refund: RefundRecord, providerRefundId: string, owner: string): Promise<RefundOutcome> {
  return deps.db.transaction(async (tx) => {
    const payment = (await findById(tx, refund.paymentId, { lock: true }))!;
    const settled = await settleRefund(tx, refund.id, { state: 'SUCCEEDED', providerReference: providerRefundId, failureReason: '' }, owner);
    if (settled === undefined) {
      const current = (await findRefundByKey(tx, refund.idempotencyKey))!.refund;
      return { payment, refund: current };
    }
    const updated = await addRefunded(tx, payment.id, settled.amount, stateAfterRefund(payment.amount, payment.refunded + settled.amount));
    await deps.events(tx, [refundedEvent(updated, settled)]);
    return { payment: { ...updated, refunds: [...payment.refunds, settled] }, refund: settled };
  }, TX_OPTIONS);
}
