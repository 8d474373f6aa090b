import { NOTIFY_SQL, type Queryable } from '@shop/kit';
import { PostalAddress } from '@shop/sdk/ts/shop/common/v1/address';
import type { ConfirmedOrder, Shipment, ShipmentItem, ShipmentStateName } from '../domain/types';

interface ShipmentRow {
  id: string;
  order_id: string;
  user_id: string;
  state: ShipmentStateName;
  carrier: string;
  tracking_number: string;
  address: unknown;
  create_time: Date;
  ship_time: Date | null;
  deliver_time: Date | null;
}

const COLUMNS = 'id, order_id, user_id, state, carrier, tracking_number, address, create_time, ship_time, deliver_time';

/** NewShipment is what insertShipment stores. */
export interface NewShipment {
  id: string;
  order: ConfirmedOrder;
  carrier: string;
  trackingNumber: string;
  shipDelayMs: number;
}

/**
 * insertShipment stores a PENDING shipment and its items, due to ship
 * shipDelayMs after now (database clock). It returns false, storing
 * nothing, when the order already has a shipment.
 */
export async function insertShipment(tx: Queryable, s: NewShipment): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO shipments (id, order_id, user_id, state, carrier, tracking_number, address, ship_after)
     VALUES ($1, $2, $3, 'PENDING', $4, $5, $6::jsonb, now() + make_interval(secs => $7::double precision / 1000))
     ON CONFLICT (order_id) DO NOTHING`,
    [
      s.id,
      s.order.orderId,
      s.order.userId,
      s.carrier,
      s.trackingNumber,
      s.order.address === undefined ? null : JSON.stringify(PostalAddress.toJSON(s.order.address)),
      s.shipDelayMs,
    ],
  );
  if (rowCount === 0) return false;
  if (s.order.items.length > 0) {
    await tx.query('INSERT INTO shipment_items (shipment_id, sku, quantity) SELECT $1, sku, quantity FROM unnest($2::text[], $3::bigint[]) AS i (sku, quantity)', [
      s.id,
      s.order.items.map((i) => i.sku),
      s.order.items.map((i) => i.quantity.toString()),
    ]);
  }
  // Wakes the shipper of every replica once this commits, to sleep until the new shipment is due.
  await tx.query(NOTIFY_SQL, [SHIPMENTS_TOPIC]);
  return true;
}

/** findShipmentByOrder returns an order's shipment, if it has one. */
export async function findShipmentByOrder(q: Queryable, orderId: string): Promise<Shipment | undefined> {
  const { rows } = await q.query<ShipmentRow>(`SELECT ${COLUMNS} FROM shipments WHERE order_id = $1`, [orderId]);
  const row = rows[0];
  return row === undefined ? undefined : toShipment(row, await readItems(q, row.id));
}

/** lockShipmentState reads the state of an order's shipment and locks it until the transaction ends. */
export async function lockShipmentState(tx: Queryable, orderId: string): Promise<{ id: string; state: ShipmentStateName } | undefined> {
  const { rows } = await tx.query<{ id: string; state: ShipmentStateName }>('SELECT id, state FROM shipments WHERE order_id = $1 FOR UPDATE', [orderId]);
  return rows[0];
}

/** markCancelled moves a PENDING shipment to CANCELLED; false if it was not PENDING. */
export async function markCancelled(tx: Queryable, id: string, reason: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE shipments SET state = 'CANCELLED', cancel_time = now(), cancel_reason = $2, update_time = now() WHERE id = $1 AND state = 'PENDING'`,
    [id, reason],
  );
  return rowCount === 1;
}

/** SHIPMENTS_TOPIC is notified when a shipment is created, to wake the shipper of every replica (see NOTIFY_SQL). */
export const SHIPMENTS_TOPIC = 'shipments';

/**
 * msUntilNextDue is how long until the earliest PENDING shipment is due to
 * ship (0 if one already is), or undefined when none is pending.
 */
export async function msUntilNextDue(q: Queryable): Promise<number | undefined> {
  const { rows } = await q.query<{ ms: number | null }>(
    // No GREATEST here: it skips NULLs, and would turn "none pending" into 0.
    `SELECT (EXTRACT(EPOCH FROM (min(ship_after) - now())) * 1000)::float8 AS ms FROM shipments WHERE state = 'PENDING'`,
  );
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? undefined : Math.max(0, Math.ceil(ms));
}

/**
 * shipDue marks up to limit PENDING shipments whose ship_after has passed
 * as SHIPPED (ship_time now) and returns them. Rows another transaction
 * holds are skipped, so several replicas ship different shipments, never
 * the same one twice.
 */
export async function shipDue(tx: Queryable, limit: number): Promise<Shipment[]> {
  const { rows } = await tx.query<ShipmentRow>(
    `UPDATE shipments s SET state = 'SHIPPED', ship_time = now(), update_time = now()
       FROM (SELECT id FROM shipments WHERE state = 'PENDING' AND ship_after <= now()
              ORDER BY ship_after LIMIT $1 FOR UPDATE SKIP LOCKED) due
      WHERE s.id = due.id
     RETURNING ${COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}`,
    [limit],
  );
  return rows.map((row) => toShipment(row, []));
}

/** recordCancelledOrder remembers an order cancelled before its shipment existed. */
export async function recordCancelledOrder(tx: Queryable, orderId: string): Promise<void> {
  await tx.query('INSERT INTO cancelled_orders (order_id) VALUES ($1) ON CONFLICT (order_id) DO NOTHING', [orderId]);
}

/** isCancelledOrder tells whether an order was cancelled before its shipment existed. */
export async function isCancelledOrder(q: Queryable, orderId: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM cancelled_orders WHERE order_id = $1', [orderId]);
  return rows.length > 0;
}

async function readItems(q: Queryable, shipmentId: string): Promise<ShipmentItem[]> {
  const { rows } = await q.query<{ sku: string; quantity: string }>('SELECT sku, quantity FROM shipment_items WHERE shipment_id = $1 ORDER BY sku', [
    shipmentId,
  ]);
  return rows.map((r) => ({ sku: r.sku, quantity: BigInt(r.quantity) }));
}

function toShipment(row: ShipmentRow, items: ShipmentItem[]): Shipment {
  return {
    id: row.id,
    orderId: row.order_id,
    userId: row.user_id,
    state: row.state,
    carrier: row.carrier,
    trackingNumber: row.tracking_number,
    address: row.address === null ? undefined : PostalAddress.fromJSON(row.address),
    items,
    createTime: row.create_time,
    shipTime: row.ship_time ?? undefined,
    deliverTime: row.deliver_time ?? undefined,
  };
}
