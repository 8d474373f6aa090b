import { randomUUID } from 'node:crypto';
import { chargeUnavailable, orderAlreadyPaid, paymentDeclined } from '../domain/payment-errors';
import type { ChargeInput } from '../domain/requests';
import { chargeStepFor } from '../domain/rules';
import type { PaymentRecord } from '../domain/types';
import { isProviderError, ProviderError } from '../provider/types';
import { isUniqueViolation, newLease, type Lease } from '../store/lease';
import { findByKey, findLiveForOrder, insertPending, ONE_LIVE_PER_ORDER, retryFailed, takeLease } from '../store/payment-repo';
import { listSucceededRefunds } from '../store/refund-repo';
import { retryDelayMs, sleep, TX_OPTIONS, type PaymentsDeps } from './deps';
import { recordAnswer, recordNothingTaken, releaseQuietly } from './settle-charge';

/** Claim is what a Charge may do after looking at its key: answer, decline, wait, attempt, or look again. */
type Claim =
  | { kind: 'answer' | 'declined' | 'wait'; payment: PaymentRecord }
  | { kind: 'attempt'; payment: PaymentRecord; lease: Lease; reconcileFirst: boolean }
  | { kind: 'again' };

/** MAX_ROUNDS bounds how often one Charge looks at its key again after losing a race. */
const MAX_ROUNDS = 1_000;

/** WAIT_MS is the pause of a Charge waiting for another call's outcome: it doubles from the first value up to the second. */
const WAIT_MS = [20, 250] as const;

/**
 * charge takes an order's amount from the customer, at most once per
 * idempotency key and at most once per order:
 *
 * 1. In one transaction the key is looked up (row locked). A new key gets a
 *    PENDING payment with a lease, unless the order already has a live
 *    payment (ALREADY_EXISTS); the unique index payments_one_live_per_order
 *    settles races between keys. A known key answers from its state (see
 *    chargeStepFor): captured or declined payments are answered again,
 *    FAILED ones are retried, and PENDING ones are reconciled (or waited
 *    for, while another call holds the lease).
 * 2. The PENDING row is committed before the provider is called with the
 *    same key, so a crash or timeout afterwards leaves a trace to reconcile.
 * 3. The provider's answer is recorded with its event. A failure that
 *    certainly took nothing marks the payment FAILED; an ambiguous one (a
 *    timeout) leaves it PENDING for the next attempt or the reconciler.
 *
 * deadline (epoch ms) bounds how long it waits for another call's outcome.
 */
export async function charge(deps: PaymentsDeps, input: ChargeInput, deadline: number): Promise<PaymentRecord> {
  let pause: number = WAIT_MS[0];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const claim = await claimKey(deps, input);
    switch (claim.kind) {
      case 'answer':
        return claim.payment;
      case 'declined':
        throw paymentDeclined(claim.payment);
      case 'attempt':
        return attempt(deps, input, claim.payment, claim.lease, claim.reconcileFirst);
      case 'wait':
        if (Date.now() + pause >= deadline) throw chargeUnavailable(claim.payment, retryDelayMs(deps.provider));
        await sleep(pause);
        pause = Math.min(pause * 2, WAIT_MS[1]);
        break;
      case 'again':
        break;
    }
  }
  throw new Error(`charge ${input.idempotencyKey}: no decision after ${MAX_ROUNDS} rounds`);
}

async function claimKey(deps: PaymentsDeps, input: ChargeInput): Promise<Claim> {
  const lease = newLease(deps.leaseMs);
  try {
    return await deps.db.transaction(async (tx): Promise<Claim> => {
      const found = await findByKey(tx, input.idempotencyKey, { lock: true });
      if (found === undefined) {
        const live = await findLiveForOrder(tx, input.orderId);
        // Our own key, committed by a concurrent call since our lookup: look again.
        if (live?.idempotencyKey === input.idempotencyKey) return { kind: 'again' };
        if (live !== undefined) throw orderAlreadyPaid(live);
        const created = await insertPending(
          tx,
          {
            id: randomUUID(),
            idempotencyKey: input.idempotencyKey,
            requestHash: input.requestHash,
            orderId: input.orderId,
            userId: input.userId,
            currency: input.currency,
            amount: input.amount,
            provider: deps.provider.name,
          },
          lease,
        );
        // undefined: a concurrent call inserted this key and committed after our lookup.
        return created === undefined ? { kind: 'again' } : { kind: 'attempt', payment: created, lease, reconcileFirst: false };
      }
      const { payment } = found;
      switch (chargeStepFor(payment, input.requestHash, found.leased)) {
        case 'answer':
          return { kind: 'answer', payment: { ...payment, refunds: await listSucceededRefunds(tx, payment.id) } };
        case 'declined':
          return { kind: 'declined', payment };
        case 'wait':
          return { kind: 'wait', payment };
        case 'retry': {
          // Nothing was taken under this key, but the order may have been paid under another since.
          const live = await findLiveForOrder(tx, payment.orderId);
          if (live !== undefined) throw orderAlreadyPaid(live);
          const retried = await retryFailed(tx, payment.id, lease);
          return retried === undefined ? { kind: 'again' } : { kind: 'attempt', payment: retried, lease, reconcileFirst: false };
        }
        case 'reconcile': {
          const taken = await takeLease(tx, payment.id, lease);
          return taken === undefined ? { kind: 'wait', payment } : { kind: 'attempt', payment: taken, lease, reconcileFirst: true };
        }
      }
    }, TX_OPTIONS);
  } catch (err) {
    // Another call claimed the order's live slot at the same moment (a racing
    // insert of this very key, or another key); looking again tells which.
    if (isUniqueViolation(err, ONE_LIVE_PER_ORDER)) return { kind: 'again' };
    throw err;
  }
}

/**
 * attempt makes the provider call the lease entitles to. When an earlier
 * call left the outcome unknown (reconcileFirst), the provider is asked
 * first and only a "no charge under this key" leads to a charge, again with
 * the same key.
 */
async function attempt(deps: PaymentsDeps, input: ChargeInput, payment: PaymentRecord, lease: Lease, reconcileFirst: boolean): Promise<PaymentRecord> {
  // mayHaveCharged: could money have been taken under this key before this attempt learnt otherwise?
  let mayHaveCharged = reconcileFirst;
  let settled: PaymentRecord;
  try {
    const found = reconcileFirst ? await deps.provider.findCharge(payment.idempotencyKey) : undefined;
    if (found?.status === 'pending') throw new ProviderError('in_progress', true, 'the provider is still processing an earlier request with this key');
    if (found !== undefined && found.status !== 'not_found') {
      settled = await recordAnswer(deps, payment, found, lease.owner);
    } else {
      mayHaveCharged = false;
      const answer = await deps.provider.charge({
        idempotencyKey: payment.idempotencyKey,
        amount: payment.amount,
        currency: payment.currency,
        token: input.token,
        orderId: payment.orderId,
      });
      settled = await recordAnswer(deps, payment, answer, lease.owner);
    }
  } catch (err) {
    if (!isProviderError(err)) {
      await releaseQuietly(deps, payment.id, lease.owner);
      throw err;
    }
    if (!err.ambiguous && !mayHaveCharged) throw chargeUnavailable(await recordNothingTaken(deps, payment, lease.owner), retryDelayMs(deps.provider));
    await releaseQuietly(deps, payment.id, lease.owner);
    throw chargeUnavailable({ ...payment, state: 'PENDING' }, retryDelayMs(deps.provider));
  }
  return answered(settled);
}

/** answered returns a settled payment, or throws the decline for a DECLINED one. */
function answered(payment: PaymentRecord): PaymentRecord {
  if (payment.state === 'DECLINED') throw paymentDeclined(payment);
  return payment;
}
