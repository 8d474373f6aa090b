import { declineReason, FAILED_REASON } from '../domain/rules';
import type { PaymentRecord } from '../domain/types';
import type { ProviderCharge } from '../provider/types';
import { isUniqueViolation } from '../store/lease';
import { findById, ONE_LIVE_PER_ORDER, releaseLease, settle, type Outcome } from '../store/payment-repo';
import { TX_OPTIONS, type PaymentsDeps } from './deps';
import { capturedEvent, declinedEvent } from './payment-events';

/**
 * recordAnswer writes what the provider decided about a payment's charge
 * (CAPTURED or DECLINED) and its event, in one transaction, and returns the
 * payment as stored. If someone else recorded the outcome first, it returns
 * theirs: every caller used the same key, so it is the same answer.
 */
export async function recordAnswer(deps: PaymentsDeps, payment: PaymentRecord, answer: ProviderCharge, owner: string): Promise<PaymentRecord> {
  const outcome: Outcome =
    answer.status === 'captured'
      ? { state: 'CAPTURED', providerReference: answer.providerChargeId, failureReason: '' }
      : { state: 'DECLINED', providerReference: answer.providerChargeId, failureReason: declineReason(answer.declineCode) };
  try {
    return await deps.db.transaction(async (tx) => {
      const settled = await settle(tx, payment.id, outcome, owner);
      if (settled === undefined) return (await findById(tx, payment.id))!;
      await deps.events(tx, [settled.state === 'CAPTURED' ? capturedEvent(settled) : declinedEvent(settled)]);
      return settled;
    }, TX_OPTIONS);
  } catch (err) {
    if (isUniqueViolation(err, ONE_LIVE_PER_ORDER)) {
      // Only reachable when a stalled caller's late capture meets a payment under another key: say so loudly.
      throw new Error(
        `provider captured ${outcome.providerReference} for payment ${payment.id} of order ${payment.orderId}, which already has another live payment: one of them must be refunded`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * recordNothingTaken marks a PENDING payment FAILED when the provider
 * certainly took nothing, if the caller still owns its lease, and returns
 * the payment as stored.
 */
export async function recordNothingTaken(deps: PaymentsDeps, payment: PaymentRecord, owner: string): Promise<PaymentRecord> {
  return deps.db.transaction(async (tx) => {
    const failed = await settle(tx, payment.id, { state: 'FAILED', providerReference: '', failureReason: FAILED_REASON }, owner);
    return failed ?? (await findById(tx, payment.id))!;
  }, TX_OPTIONS);
}

/** releaseQuietly ends owner's lease of a payment left PENDING; a failure only means the lease runs out on its own. */
export async function releaseQuietly(deps: PaymentsDeps, paymentId: string, owner: string): Promise<void> {
  await releaseLease(deps.db, paymentId, owner).catch(() => undefined);
}
