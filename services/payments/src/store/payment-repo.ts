import type { Queryable } from '@shop/kit';
import type { PaymentRecord, PaymentStateName } from '../domain/types';
import { leaseUntil, type Lease } from './lease';
import { listSucceededRefunds } from './refund-repo';

interface PaymentRow {
  id: string;
  idempotency_key: string;
  request_hash: string;
  order_id: string;
  user_id: string;
  currency: string;
  amount_minor: string;
  refunded_minor: string;
  state: PaymentStateName;
  provider: string;
  provider_reference: string;
  failure_reason: string;
  attempts: number;
  attempt_until: Date | null;
  create_time: Date;
  update_time: Date;
}

const COLUMNS = `id, idempotency_key, request_hash, order_id, user_id, currency, amount_minor, refunded_minor, state, provider,
  provider_reference, failure_reason, attempts, attempt_until, create_time, update_time`;

/** LIVE_STATES_SQL lists the states payments_one_live_per_order covers. */
const LIVE_STATES_SQL = `('PENDING', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED')`;

/** ONE_LIVE_PER_ORDER is the unique index that keeps the ledger invariant. */
export const ONE_LIVE_PER_ORDER = 'payments_one_live_per_order';

function toRecord(row: PaymentRow): PaymentRecord {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    orderId: row.order_id,
    userId: row.user_id,
    currency: row.currency,
    amount: BigInt(row.amount_minor),
    refunded: BigInt(row.refunded_minor),
    state: row.state,
    provider: row.provider,
    providerReference: row.provider_reference,
    failureReason: row.failure_reason,
    attempts: row.attempts,
    attemptUntil: row.attempt_until,
    createTime: row.create_time,
    updateTime: row.update_time,
    refunds: [],
  };
}

/** NewPayment is what insertPending stores. */
export interface NewPayment {
  id: string;
  idempotencyKey: string;
  requestHash: string;
  orderId: string;
  userId: string;
  currency: string;
  amount: bigint;
  provider: string;
}

/**
 * insertPending claims an idempotency key with a new PENDING payment held
 * by lease, and returns it; undefined when the key is taken. A second live
 * payment for the order fails with unique_violation on
 * payments_one_live_per_order (the transaction is then aborted).
 */
export async function insertPending(q: Queryable, p: NewPayment, lease: Lease): Promise<PaymentRecord | undefined> {
  const { rows } = await q.query<PaymentRow>(
    `INSERT INTO payments (id, idempotency_key, request_hash, order_id, user_id, currency, amount_minor, state, provider, lease_owner, attempt_until)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING', $8, $9, ${leaseUntil(10)})
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING ${COLUMNS}`,
    [p.id, p.idempotencyKey, p.requestHash, p.orderId, p.userId, p.currency, p.amount.toString(), p.provider, lease.owner, lease.ms],
  );
  return rows[0] && toRecord(rows[0]);
}

/** FoundPayment is a payment and whether its lease is still running by the database clock. */
export interface FoundPayment {
  payment: PaymentRecord;
  leased: boolean;
}

/** findByKey reads the payment made under an idempotency key; with lock its row stays locked until the transaction ends. */
export async function findByKey(q: Queryable, key: string, opts: { lock?: boolean } = {}): Promise<FoundPayment | undefined> {
  const { rows } = await q.query<PaymentRow & { leased: boolean }>(
    `SELECT ${COLUMNS}, coalesce(attempt_until > now(), false) AS leased FROM payments WHERE idempotency_key = $1${opts.lock ? ' FOR UPDATE' : ''}`,
    [key],
  );
  return rows[0] && { payment: toRecord(rows[0]), leased: rows[0].leased };
}

/** findById reads a payment with its succeeded refunds; with lock its row stays locked until the transaction ends. */
export async function findById(q: Queryable, id: string, opts: { lock?: boolean } = {}): Promise<PaymentRecord | undefined> {
  const { rows } = await q.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`, [id]);
  if (rows[0] === undefined) return undefined;
  return { ...toRecord(rows[0]), refunds: await listSucceededRefunds(q, id) };
}

/** findLiveForOrder reads the order's live payment (pending or captured), if it has one. */
export async function findLiveForOrder(q: Queryable, orderId: string): Promise<PaymentRecord | undefined> {
  const { rows } = await q.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE order_id = $1 AND state IN ${LIVE_STATES_SQL}`, [orderId]);
  return rows[0] && toRecord(rows[0]);
}

/**
 * takeLease gives lease the provider call of a PENDING payment whose last
 * lease ran out: one conditional UPDATE, so of several callers exactly one
 * gets it. It returns the payment, or undefined if it was not free.
 */
export async function takeLease(q: Queryable, id: string, lease: Lease): Promise<PaymentRecord | undefined> {
  const { rows } = await q.query<PaymentRow>(
    `UPDATE payments SET lease_owner = $2, attempt_until = ${leaseUntil(3)}
      WHERE id = $1 AND state = 'PENDING' AND (attempt_until IS NULL OR attempt_until <= now())
      RETURNING ${COLUMNS}`,
    [id, lease.owner, lease.ms],
  );
  return rows[0] && toRecord(rows[0]);
}

/**
 * retryFailed moves a FAILED payment back to PENDING, held by lease, for
 * another attempt with the same key. Like insertPending it fails with
 * unique_violation if the order got another live payment meanwhile.
 */
export async function retryFailed(q: Queryable, id: string, lease: Lease): Promise<PaymentRecord | undefined> {
  const { rows } = await q.query<PaymentRow>(
    `UPDATE payments SET state = 'PENDING', failure_reason = '', attempts = attempts + 1, lease_owner = $2, attempt_until = ${leaseUntil(3)}, update_time = now()
      WHERE id = $1 AND state = 'FAILED'
      RETURNING ${COLUMNS}`,
    [id, lease.owner, lease.ms],
  );
  return rows[0] && toRecord(rows[0]);
}

/** Outcome is what the provider decided about a charge, or FAILED when it certainly took nothing. */
export interface Outcome {
  state: 'CAPTURED' | 'DECLINED' | 'FAILED';
  providerReference: string;
  failureReason: string;
}

/**
 * settle records the outcome of a PENDING payment and ends its lease.
 * FAILED ("nothing was taken") is recorded only by the lease's owner. The
 * provider's answers (CAPTURED, DECLINED) are recorded whoever holds the
 * lease, and even over FAILED: if a caller stalled past its lease while a
 * successor concluded FAILED, the provider's word wins. It returns
 * undefined when there was nothing to record: someone settled it first.
 */
export async function settle(q: Queryable, id: string, outcome: Outcome, owner: string): Promise<PaymentRecord | undefined> {
  const { rows } = await q.query<PaymentRow>(
    `UPDATE payments SET state = $2, provider_reference = $3, failure_reason = $4, lease_owner = NULL, attempt_until = NULL, update_time = now()
      WHERE id = $1 AND (
        (state = 'PENDING' AND ($2 <> 'FAILED' OR lease_owner = $5))
        OR (state = 'FAILED' AND $2 <> 'FAILED'))
      RETURNING ${COLUMNS}`,
    [id, outcome.state, outcome.providerReference, outcome.failureReason, owner],
  );
  return rows[0] && toRecord(rows[0]);
}

/** releaseLease ends owner's lease of a payment that stays PENDING (its outcome is still unknown), so the next caller reconciles at once. */
export async function releaseLease(q: Queryable, id: string, owner: string): Promise<void> {
  await q.query(`UPDATE payments SET lease_owner = NULL, attempt_until = NULL WHERE id = $1 AND state = 'PENDING' AND lease_owner = $2`, [id, owner]);
}

/** addRefunded counts a succeeded refund on a locked payment and moves it to PARTIALLY_REFUNDED or REFUNDED. */
export async function addRefunded(q: Queryable, id: string, amount: bigint, state: 'PARTIALLY_REFUNDED' | 'REFUNDED'): Promise<PaymentRecord> {
  const { rows } = await q.query<PaymentRow>(
    `UPDATE payments SET refunded_minor = refunded_minor + $2::bigint, state = $3, update_time = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, amount.toString(), state],
  );
  return toRecord(rows[0]!);
}

/**
 * claimStalePending gives lease up to limit PENDING payments that nobody is
 * working on and that have been pending for at least olderThanMs, for the
 * reconciler. SKIP LOCKED lets replicas split the work.
 */
export async function claimStalePending(q: Queryable, opts: { olderThanMs: number; limit: number; lease: Lease }): Promise<PaymentRecord[]> {
  const { rows } = await q.query<PaymentRow>(
    `UPDATE payments SET lease_owner = $1, attempt_until = ${leaseUntil(2)}
      WHERE id IN (
        SELECT id FROM payments
         WHERE state = 'PENDING' AND (attempt_until IS NULL OR attempt_until <= now())
           AND update_time <= now() - $3::bigint * interval '1 millisecond'
         ORDER BY update_time
         LIMIT $4
         FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [opts.lease.owner, opts.lease.ms, opts.olderThanMs, opts.limit],
  );
  return rows.map(toRecord);
}
