import type { Queryable } from '@shop/kit';
import { sortBySku } from '../domain/requests';
import type { ItemQuantity, ReservationRecord, ReservationStateName } from '../domain/types';

interface ReservationRow {
  reservation_id: string;
  order_id: string;
  state: ReservationStateName;
  expire_time: Date;
  create_time: Date;
  update_time: Date;
}

interface ItemRow {
  reservation_id: string;
  sku: string;
  quantity: string;
}

const COLUMNS = 'reservation_id, order_id, state, expire_time, create_time, update_time';

function toRecord(row: ReservationRow, items: ItemQuantity[]): ReservationRecord {
  return {
    reservationId: row.reservation_id,
    orderId: row.order_id,
    state: row.state,
    items,
    expireTime: row.expire_time,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

/**
 * insertReservation claims reservationId with a new ACTIVE reservation that
 * expires ttlMs from the database's now, and returns it without items; it
 * returns undefined when the id is taken. On PostgreSQL a concurrent insert
 * of the same id waits for the first transaction and then sees its outcome,
 * so two duplicate calls never both hold units.
 */
export async function insertReservation(
  q: Queryable,
  input: { reservationId: string; orderId: string; ttlMs: number },
): Promise<ReservationRecord | undefined> {
  const { rows } = await q.query<ReservationRow>(
    `INSERT INTO reservations (reservation_id, order_id, state, expire_time, create_time, update_time)
     VALUES ($1, $2, 'ACTIVE', now() + $3::bigint * interval '1 millisecond', now(), now())
     ON CONFLICT (reservation_id) DO NOTHING
     RETURNING ${COLUMNS}`,
    [input.reservationId, input.orderId, input.ttlMs],
  );
  return rows[0] && toRecord(rows[0], []);
}

/** insertItems stores the items a reservation holds. */
export async function insertItems(q: Queryable, reservationId: string, items: readonly ItemQuantity[]): Promise<void> {
  await q.query(
    `INSERT INTO reservation_items (reservation_id, sku, quantity)
     SELECT $1, sku, quantity FROM unnest($2::text[], $3::bigint[]) AS i (sku, quantity)`,
    [reservationId, items.map((i) => i.sku), items.map((i) => i.quantity.toString())],
  );
}

/** FoundReservation is a reservation and the database's clock when it was read. */
export interface FoundReservation {
  reservation: ReservationRecord;
  /** now is the transaction's now(): expiry is judged by the database clock only, the same on every replica. */
  now: Date;
}

/**
 * findReservation reads a reservation with its items (sorted by SKU). With
 * lock, its row stays locked until the transaction ends, so commit, release
 * and the sweeper take turns on it.
 */
export async function findReservation(q: Queryable, reservationId: string, opts: { lock?: boolean } = {}): Promise<FoundReservation | undefined> {
  const { rows } = await q.query<ReservationRow & { now: Date }>(
    `SELECT ${COLUMNS}, now() AS now FROM reservations WHERE reservation_id = $1${opts.lock ? ' FOR UPDATE' : ''}`,
    [reservationId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const items = await q.query<ItemRow>('SELECT sku, quantity FROM reservation_items WHERE reservation_id = $1', [reservationId]);
  return {
    reservation: toRecord(row, sortBySku(items.rows.map((i) => ({ sku: i.sku, quantity: BigInt(i.quantity) })))),
    now: row.now,
  };
}

/** setState moves a locked reservation to state and returns it as stored. */
export async function setState(
  q: Queryable,
  reservation: ReservationRecord,
  state: ReservationStateName,
  releaseReason = '',
): Promise<ReservationRecord> {
  const { rows } = await q.query<ReservationRow>(
    `UPDATE reservations SET state = $2, release_reason = $3, update_time = now() WHERE reservation_id = $1 RETURNING ${COLUMNS}`,
    [reservation.reservationId, state, releaseReason],
  );
  return toRecord(rows[0]!, reservation.items);
}

/** DueItem is one item of an expired reservation claimed by the sweeper. */
export interface DueItem extends ItemQuantity {
  reservationId: string;
}

/**
 * claimDue locks up to limit ACTIVE reservations whose expire_time has
 * passed and returns their items and order ids. SKIP LOCKED passes over rows another
 * transaction holds (another replica's sweeper, a commit or release in
 * flight), so sweepers never wait on each other and never expire one
 * reservation twice.
 */
export async function claimDue(
  q: Queryable,
  limit: number,
): Promise<{ reservationIds: string[]; orderIds: Map<string, string>; items: DueItem[] }> {
  const { rows } = await q.query<{ reservation_id: string; order_id: string }>(
    `SELECT reservation_id, order_id FROM reservations
      WHERE state = 'ACTIVE' AND expire_time <= now()
      ORDER BY expire_time
      LIMIT $1
      FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  const reservationIds = rows.map((r) => r.reservation_id);
  const orderIds = new Map(rows.map((r) => [r.reservation_id, r.order_id]));
  if (reservationIds.length === 0) return { reservationIds, orderIds, items: [] };
  const items = await q.query<ItemRow>('SELECT reservation_id, sku, quantity FROM reservation_items WHERE reservation_id = ANY($1::text[])', [
    reservationIds,
  ]);
  return {
    reservationIds,
    orderIds,
    items: items.rows.map((i) => ({ reservationId: i.reservation_id, sku: i.sku, quantity: BigInt(i.quantity) })),
  };
}

/** markExpired moves claimed reservations to EXPIRED. */
export async function markExpired(q: Queryable, reservationIds: readonly string[]): Promise<void> {
  await q.query(`UPDATE reservations SET state = 'EXPIRED', update_time = now() WHERE reservation_id = ANY($1::text[])`, [[...reservationIds]]);
}
