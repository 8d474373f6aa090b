import type { Queryable } from '@shop/kit';
import type { RefundRecord, RefundStateName } from '../domain/types';
import { leaseUntil, type Lease } from './lease';

interface RefundRow {
  id: string;
  payment_id: string;
  idempotency_key: string;
  request_hash: string;
  amount_minor: string;
  reason: string;
  state: RefundStateName;
  provider_reference: string;
  failure_reason: string;
  attempt_until: Date | null;
  create_time: Date;
  update_time: Date;
}

const COLUMNS = `id, payment_id, idempotency_key, request_hash, amount_minor, reason, state, provider_reference, failure_reason,
  attempt_until, create_time, update_time`;

function toRecord(row: RefundRow): RefundRecord {
  return {
    id: row.id,
    paymentId: row.payment_id,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    amount: BigInt(row.amount_minor),
    reason: row.reason,
    state: row.state,
    providerReference: row.provider_reference,
    failureReason: row.failure_reason,
    attemptUntil: row.attempt_until,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

/** listSucceededRefunds reads a payment's succeeded refunds, oldest first. */
export async function listSucceededRefunds(q: Queryable, paymentId: string): Promise<RefundRecord[]> {
  const { rows } = await q.query<RefundRow>(`SELECT ${COLUMNS} FROM refunds WHERE payment_id = $1 AND state = 'SUCCEEDED' ORDER BY seq`, [paymentId]);
  return rows.map(toRecord);
}

/** FoundRefund is a refund and whether its lease is still running by the database clock. */
export interface FoundRefund {
  refund: RefundRecord;
  leased: boolean;
}

/** findRefundByKey reads the refund made under an idempotency key. */
export async function findRefundByKey(q: Queryable, key: string): Promise<FoundRefund | undefined> {
  const { rows } = await q.query<RefundRow & { leased: boolean }>(
    `SELECT ${COLUMNS}, coalesce(attempt_until > now(), false) AS leased FROM refunds WHERE idempotency_key = $1`,
    [key],
  );
  return rows[0] && { refund: toRecord(rows[0]), leased: rows[0].leased };
}

/** pendingRefundTotal is what a payment's PENDING refunds hold back from what is left to refund. */
export async function pendingRefundTotal(q: Queryable, paymentId: string): Promise<bigint> {
  const { rows } = await q.query<{ total: string }>(
    `SELECT coalesce(sum(amount_minor), 0)::bigint AS total FROM refunds WHERE payment_id = $1 AND state = 'PENDING'`,
    [paymentId],
  );
  return BigInt(rows[0]!.total);
}

/** NewRefund is what insertRefund stores. */
export interface NewRefund {
  id: string;
  paymentId: string;
  idempotencyKey: string;
  requestHash: string;
  amount: bigint;
  reason: string;
}

/** insertRefund stores a PENDING refund held by lease; undefined when its key is taken. */
export async function insertRefund(q: Queryable, r: NewRefund, lease: Lease): Promise<RefundRecord | undefined> {
  const { rows } = await q.query<RefundRow>(
    `INSERT INTO refunds (id, payment_id, idempotency_key, request_hash, amount_minor, reason, state, lease_owner, attempt_until)
     VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7, ${leaseUntil(8)})
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING ${COLUMNS}`,
    [r.id, r.paymentId, r.idempotencyKey, r.requestHash, r.amount.toString(), r.reason, lease.owner, lease.ms],
  );
  return rows[0] && toRecord(rows[0]);
}

/** takeRefundLease gives lease a PENDING refund whose last lease ran out; undefined if it was not free. */
export async function takeRefundLease(q: Queryable, id: string, lease: Lease): Promise<RefundRecord | undefined> {
  const { rows } = await q.query<RefundRow>(
    `UPDATE refunds SET lease_owner = $2, attempt_until = ${leaseUntil(3)}
      WHERE id = $1 AND state = 'PENDING' AND (attempt_until IS NULL OR attempt_until <= now())
      RETURNING ${COLUMNS}`,
    [id, lease.owner, lease.ms],
  );
  return rows[0] && toRecord(rows[0]);
}

/** retryFailedRefund moves a FAILED refund back to PENDING, held by lease. */
export async function retryFailedRefund(q: Queryable, id: string, lease: Lease): Promise<RefundRecord | undefined> {
  const { rows } = await q.query<RefundRow>(
    `UPDATE refunds SET state = 'PENDING', failure_reason = '', lease_owner = $2, attempt_until = ${leaseUntil(3)}, update_time = now()
      WHERE id = $1 AND state = 'FAILED'
      RETURNING ${COLUMNS}`,
    [id, lease.owner, lease.ms],
  );
  return rows[0] && toRecord(rows[0]);
}

/**
 * settleRefund records a refund's outcome, like settle for payments:
 * FAILED only on a PENDING refund and by the lease owner; SUCCEEDED (the
 * provider's word) whoever holds the lease, and even over FAILED. It
 * returns undefined when there was nothing to record.
 */
export async function settleRefund(
  q: Queryable,
  id: string,
  outcome: { state: 'SUCCEEDED' | 'FAILED'; providerReference: string; failureReason: string },
  owner: string,
): Promise<RefundRecord | undefined> {
  const { rows } = await q.query<RefundRow>(
    `UPDATE refunds SET state = $2, provider_reference = $3, failure_reason = $4, lease_owner = NULL, attempt_until = NULL, update_time = now()
      WHERE id = $1 AND (
        (state = 'PENDING' AND ($2 <> 'FAILED' OR lease_owner = $5))
        OR (state = 'FAILED' AND $2 <> 'FAILED'))
      RETURNING ${COLUMNS}`,
    [id, outcome.state, outcome.providerReference, outcome.failureReason, owner],
  );
  return rows[0] && toRecord(rows[0]);
}

/** releaseRefundLease ends owner's lease of a refund that stays PENDING. */
export async function releaseRefundLease(q: Queryable, id: string, owner: string): Promise<void> {
  await q.query(`UPDATE refunds SET lease_owner = NULL, attempt_until = NULL WHERE id = $1 AND state = 'PENDING' AND lease_owner = $2`, [id, owner]);
}

/** claimStaleRefunds gives lease up to limit PENDING refunds nobody is working on, pending for at least olderThanMs. */
export async function claimStaleRefunds(q: Queryable, opts: { olderThanMs: number; limit: number; lease: Lease }): Promise<RefundRecord[]> {
  const { rows } = await q.query<RefundRow>(
    `UPDATE refunds SET lease_owner = $1, attempt_until = ${leaseUntil(2)}
      WHERE id IN (
        SELECT id FROM refunds
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
