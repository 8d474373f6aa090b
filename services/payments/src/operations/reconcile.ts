import type { Logger } from 'pino';
import { FAILED_REASON } from '../domain/rules';
import type { PaymentRecord, RefundRecord } from '../domain/types';
import { isProviderError } from '../provider/types';
import { newLease, type Lease } from '../store/lease';
import { claimStalePending, findById, releaseLease, settle } from '../store/payment-repo';
import { claimStaleRefunds, releaseRefundLease, settleRefund } from '../store/refund-repo';
import type { PaymentsDeps } from './deps';
import { recordRefund } from './refund';
import { recordAnswer } from './settle-charge';

/** ReconcileOptions bound one reconciler run. */
export interface ReconcileOptions {
  /** olderThanMs: only payments and refunds pending at least this long are settled. */
  olderThanMs: number;
  /** limit is how many payments, and how many refunds, one run takes at most. */
  limit: number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

/** ReconcileResult counts what a run settled. */
export interface ReconcileResult {
  payments: number;
  refunds: number;
}

/**
 * reconcile settles payments and refunds left PENDING by an ambiguous
 * provider call (a timeout, a crash between the call and the write) that
 * nobody retried. For each payment it asks the provider by idempotency key:
 * - captured or declined: recorded as such, with its event;
 * - no charge under the key: FAILED, nothing was taken. Only payments older
 *   than olderThanMs are looked at, far beyond any call still in flight, and
 *   a later Charge with the same key is still deduplicated by the provider;
 * - still processing: left for the next run.
 * The reconciler cannot charge: the token is never stored. Pending refunds
 * are sent again with their own key (the provider deduplicates them).
 * A provider failure leaves the rest for the next run.
 */
export async function reconcile(deps: PaymentsDeps, options: ReconcileOptions): Promise<ReconcileResult> {
  const result: ReconcileResult = { payments: 0, refunds: 0 };
  const paymentLease = newLease(deps.leaseMs);
  const payments = await claimStalePending(deps.db, { olderThanMs: options.olderThanMs, limit: options.limit, lease: paymentLease });
  for (const [i, payment] of payments.entries()) {
    const ok = await reconcilePayment(deps, payment, paymentLease, options.log);
    if (ok === 'settled') result.payments++;
    if (ok === 'provider_down') {
      for (const rest of payments.slice(i + 1)) await releaseLease(deps.db, rest.id, paymentLease.owner);
      return result;
    }
  }
  const refundLease = newLease(deps.leaseMs);
  const refunds = await claimStaleRefunds(deps.db, { olderThanMs: options.olderThanMs, limit: options.limit, lease: refundLease });
  for (const [i, refund] of refunds.entries()) {
    const ok = await reconcileRefund(deps, refund, refundLease, options.log);
    if (ok === 'settled') result.refunds++;
    if (ok === 'provider_down') {
      for (const rest of refunds.slice(i + 1)) await releaseRefundLease(deps.db, rest.id, refundLease.owner);
      return result;
    }
  }
  return result;
}

type Step = 'settled' | 'unsettled' | 'provider_down';

async function reconcilePayment(deps: PaymentsDeps, payment: PaymentRecord, lease: Lease, log: ReconcileOptions['log']): Promise<Step> {
  try {
    const found = await deps.provider.findCharge(payment.idempotencyKey);
    if (found.status === 'pending') {
      await releaseLease(deps.db, payment.id, lease.owner);
      return 'unsettled';
    }
    if (found.status === 'not_found') {
      const failed = await settle(deps.db, payment.id, { state: 'FAILED', providerReference: '', failureReason: FAILED_REASON }, lease.owner);
      log?.info({ paymentId: payment.id, orderId: payment.orderId }, 'reconciled a pending payment: the provider has no charge, marked FAILED');
      return failed === undefined ? 'unsettled' : 'settled';
    }
    const settled = await recordAnswer(deps, payment, found, lease.owner);
    log?.info({ paymentId: payment.id, orderId: payment.orderId, state: settled.state }, 'reconciled a pending payment');
    return 'settled';
  } catch (err) {
    await releaseLease(deps.db, payment.id, lease.owner).catch(() => undefined);
    log?.warn({ err, paymentId: payment.id }, 'cannot reconcile a pending payment yet');
    return isProviderError(err) ? 'provider_down' : 'unsettled';
  }
}

async function reconcileRefund(deps: PaymentsDeps, refund: RefundRecord, lease: Lease, log: ReconcileOptions['log']): Promise<Step> {
  try {
    const payment = (await findById(deps.db, refund.paymentId))!;
    const answer = await deps.provider.refund({ idempotencyKey: refund.idempotencyKey, providerChargeId: payment.providerReference, amount: refund.amount });
    await recordRefund(deps, refund, answer.providerRefundId, lease.owner);
    log?.info({ refundId: refund.id, paymentId: refund.paymentId }, 'reconciled a pending refund');
    return 'settled';
  } catch (err) {
    if (isProviderError(err) && err.kind === 'rejected' && !err.ambiguous) {
      await settleRefund(deps.db, refund.id, { state: 'FAILED', providerReference: '', failureReason: err.message }, lease.owner);
      log?.warn({ err, refundId: refund.id }, 'the provider refused a pending refund, marked FAILED');
      return 'settled';
    }
    await releaseRefundLease(deps.db, refund.id, lease.owner).catch(() => undefined);
    log?.warn({ err, refundId: refund.id }, 'cannot reconcile a pending refund yet');
    return isProviderError(err) ? 'provider_down' : 'unsettled';
  }
}
