import type { Queryable } from '@shop/kit';
import type { SagaState, Step } from '../domain/saga';

/** SagaRow is an order's stored saga. */
export interface SagaRow {
  orderId: string;
  state: SagaState;
  leaseOwner: string | undefined;
}

interface Row {
  order_id: string;
  state: SagaState;
  lease_owner: string | null;
}

// The payment token is never stored (see saga/payment-tokens.ts). The
// payment_token column of migration 0001 stays for the previous release,
// which still writes it; every save here clears it.
const COLUMNS = 'order_id, state, lease_owner';

function toSaga(row: Row): SagaRow {
  return { orderId: row.order_id, state: row.state, leaseOwner: row.lease_owner ?? undefined };
}

/** insertSaga stores a new order's saga, due at once. */
export async function insertSaga(q: Queryable, orderId: string, state: SagaState): Promise<void> {
  await q.query('INSERT INTO order_sagas (order_id, phase, state) VALUES ($1, $2, $3::jsonb)', [orderId, state.phase, JSON.stringify(state)]);
}

/**
 * claimSaga takes the lease of an unfinished saga for owner, for leaseMs,
 * if nobody holds it (never held, released, or expired), and returns the
 * saga; otherwise undefined. It is one conditional UPDATE, so of two
 * processes claiming at once exactly one wins. Lease times are the
 * database's clock, the same for every replica.
 */
export async function claimSaga(q: Queryable, orderId: string, owner: string, leaseMs: number): Promise<SagaRow | undefined> {
  const { rows } = await q.query<Row>(
    `UPDATE order_sagas SET lease_owner = $2, lease_until = now() + $3::bigint * interval '1 millisecond'
      WHERE order_id = $1 AND phase <> 'DONE' AND (lease_until IS NULL OR lease_until < now())
      RETURNING ${COLUMNS}`,
    [orderId, owner, leaseMs],
  );
  return rows[0] && toSaga(rows[0]);
}

/** renewLease extends owner's lease; false means owner lost it (it expired and another process claimed the saga). */
export async function renewLease(q: Queryable, orderId: string, owner: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE order_sagas SET lease_until = now() + $3::bigint * interval '1 millisecond' WHERE order_id = $1 AND lease_owner = $2`,
    [orderId, owner, leaseMs],
  );
  return rowCount === 1;
}

/**
 * releaseLease gives owner's lease up. With delayMs the saga is due again
 * only after that pause (a compensation that keeps failing waits for the
 * recovery loop); without, it is due at once.
 */
export async function releaseLease(q: Queryable, orderId: string, owner: string, delayMs = 0): Promise<void> {
  await q.query(
    `UPDATE order_sagas SET lease_owner = NULL, lease_until = NULL, next_attempt_at = now() + $3::bigint * interval '1 millisecond'
      WHERE order_id = $1 AND lease_owner = $2`,
    [orderId, owner, delayMs],
  );
}

/** lockSaga reads a saga and locks its row until the transaction ends. */
export async function lockSaga(q: Queryable, orderId: string): Promise<SagaRow | undefined> {
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM order_sagas WHERE order_id = $1 FOR UPDATE`, [orderId]);
  return rows[0] && toSaga(rows[0]);
}

/** readSaga reads a saga without locking it. */
export async function readSaga(q: Queryable, orderId: string): Promise<SagaRow | undefined> {
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM order_sagas WHERE order_id = $1`, [orderId]);
  return rows[0] && toSaga(rows[0]);
}

/**
 * saveSaga stores a saga's new state (lock it first); a DONE saga also
 * gives up its lease. It clears a payment token the previous release may
 * have stored.
 */
export async function saveSaga(q: Queryable, orderId: string, state: SagaState): Promise<void> {
  await q.query(
    `UPDATE order_sagas SET phase = $2, state = $3::jsonb, update_time = now(),
            payment_token = NULL,
            lease_owner = CASE WHEN $2 = 'DONE' THEN NULL ELSE lease_owner END,
            lease_until = CASE WHEN $2 = 'DONE' THEN NULL ELSE lease_until END,
            next_attempt_at = now()
      WHERE order_id = $1`,
    [orderId, state.phase, JSON.stringify(state)],
  );
}

/**
 * dueSagas lists up to limit unfinished sagas that nobody drives (no lease,
 * or an expired one) and that are due, oldest due first: the recovery
 * loop's work.
 */
export async function dueSagas(q: Queryable, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ order_id: string }>(
    `SELECT order_id FROM order_sagas
      WHERE phase <> 'DONE' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
      ORDER BY next_attempt_at
      LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.order_id);
}

/** SagaLogEvent is what happened to a step. */
export type SagaLogEvent = 'started' | 'succeeded' | 'failed' | 'retry' | 'finished';

/** appendLog records one step event in the saga log. */
export async function appendLog(q: Queryable, entry: { orderId: string; step: Step | 'SAGA'; event: SagaLogEvent; detail?: string; owner: string }): Promise<void> {
  await q.query('INSERT INTO saga_log (order_id, step, event, detail, owner) VALUES ($1, $2, $3, $4, $5)', [
    entry.orderId,
    entry.step,
    entry.event,
    (entry.detail ?? '').slice(0, 1000),
    entry.owner,
  ]);
}

/** SagaLogEntry is a saga log row as read back, for tests and support. */
export interface SagaLogEntry {
  step: string;
  event: SagaLogEvent;
  detail: string;
  owner: string;
}

/** readLog returns an order's saga log, oldest first. */
export async function readLog(q: Queryable, orderId: string): Promise<SagaLogEntry[]> {
  const { rows } = await q.query<SagaLogEntry>('SELECT step, event, detail, owner FROM saga_log WHERE order_id = $1 ORDER BY id', [orderId]);
  return rows;
}
