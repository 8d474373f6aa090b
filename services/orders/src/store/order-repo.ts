import type { Queryable } from '@shop/kit';
import type { PricedOrder } from '../domain/pricing';
import type { OrderLine, OrderRecord, OrderStateName, PostalAddress, StateChange } from '../domain/types';

interface OrderRow {
  id: string;
  seq: string;
  user_id: string;
  state: OrderStateName;
  currency_code: string;
  total_minor: string;
  shipping_address: PostalAddress;
  payment_id: string;
  shipment_id: string;
  failure_reason: string;
  version: string;
  create_time: Date;
  update_time: Date;
}

interface ItemRow {
  order_id: string;
  product_id: string;
  sku: string;
  name: string;
  quantity: string;
  unit_price_minor: string;
}

const COLUMNS =
  'id, seq, user_id, state, currency_code, total_minor, shipping_address, payment_id, shipment_id, failure_reason, version, create_time, update_time';

function toRecord(row: OrderRow, items: OrderLine[]): OrderRecord {
  return {
    id: row.id,
    seq: BigInt(row.seq),
    userId: row.user_id,
    state: row.state,
    items,
    currencyCode: row.currency_code,
    totalMinor: BigInt(row.total_minor),
    shippingAddress: row.shipping_address,
    paymentId: row.payment_id,
    shipmentId: row.shipment_id,
    failureReason: row.failure_reason,
    version: BigInt(row.version),
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

async function withItems(q: Queryable, rows: OrderRow[]): Promise<OrderRecord[]> {
  if (rows.length === 0) return [];
  const { rows: items } = await q.query<ItemRow>(
    'SELECT order_id, product_id, sku, name, quantity, unit_price_minor FROM order_items WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, position',
    [rows.map((r) => r.id)],
  );
  const byOrder = new Map<string, OrderLine[]>();
  for (const i of items) {
    const line = { productId: i.product_id, sku: i.sku, name: i.name, quantity: BigInt(i.quantity), unitPriceMinor: BigInt(i.unit_price_minor) };
    byOrder.set(i.order_id, [...(byOrder.get(i.order_id) ?? []), line]);
  }
  return rows.map((row) => toRecord(row, byOrder.get(row.id) ?? []));
}

/** NewOrder is what placing an order stores. */
export interface NewOrder {
  id: string;
  userId: string;
  idempotencyKey: string;
  requestHash: string;
  priced: PricedOrder;
  shippingAddress: PostalAddress;
}

/**
 * insertOrder stores a PENDING order with its items and the first entry of
 * its state history, or returns undefined when the caller's idempotency key
 * is taken. On PostgreSQL a concurrent insert with the same key waits for
 * the first transaction and then sees its row, so duplicates never both
 * insert.
 */
export async function insertOrder(q: Queryable, order: NewOrder): Promise<OrderRecord | undefined> {
  const { rows } = await q.query<OrderRow>(
    `INSERT INTO orders (id, user_id, idempotency_key, request_hash, state, currency_code, total_minor, shipping_address)
     VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, $7::jsonb)
     ON CONFLICT (user_id, idempotency_key) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      order.id,
      order.userId,
      order.idempotencyKey,
      order.requestHash,
      order.priced.currencyCode,
      order.priced.totalMinor.toString(),
      JSON.stringify(order.shippingAddress),
    ],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const lines = order.priced.lines;
  await q.query(
    `INSERT INTO order_items (order_id, position, product_id, sku, name, quantity, unit_price_minor)
     SELECT $1, position, product_id, sku, name, quantity, unit_price_minor
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
         AS i (position, product_id, sku, name, quantity, unit_price_minor)`,
    [
      order.id,
      lines.map((_, i) => i),
      lines.map((l) => l.productId),
      lines.map((l) => l.sku),
      lines.map((l) => l.name),
      lines.map((l) => l.quantity.toString()),
      lines.map((l) => l.unitPriceMinor.toString()),
    ],
  );
  const record = toRecord(row, lines);
  await recordStateChange(q, record);
  return record;
}

/** findOrderByKey returns the caller's order placed with idempotencyKey and the hash of the request that placed it. */
export async function findOrderByKey(
  q: Queryable,
  userId: string,
  idempotencyKey: string,
): Promise<{ order: OrderRecord; requestHash: string } | undefined> {
  const { rows } = await q.query<OrderRow & { request_hash: string }>(
    `SELECT ${COLUMNS}, request_hash FROM orders WHERE user_id = $1 AND idempotency_key = $2`,
    [userId, idempotencyKey],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const [order] = await withItems(q, [row]);
  return { order: order!, requestHash: row.request_hash };
}

/** findOrder reads an order with its items; with lock its row stays locked until the transaction ends. */
export async function findOrder(q: Queryable, id: string, opts: { lock?: boolean } = {}): Promise<OrderRecord | undefined> {
  const { rows } = await q.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`, [id]);
  const [order] = await withItems(q, rows);
  return order;
}

/** ListFilter selects a page of orders, newest first. */
export interface ListFilter {
  userId?: string;
  state?: OrderStateName;
  /** before: only orders with a smaller seq (the page after the one that ended there). */
  before?: bigint;
  limit: number;
}

/** listOrders returns up to limit orders, newest (highest seq) first. Only the filters in use go into the SQL, so it can use orders_by_user and orders_by_state. */
export async function listOrders(q: Queryable, f: ListFilter): Promise<OrderRecord[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const where = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (f.userId !== undefined) where((n) => `user_id = ${n}`, f.userId);
  if (f.state !== undefined) where((n) => `state = ${n}`, f.state);
  if (f.before !== undefined) where((n) => `seq < ${n}::bigint`, f.before.toString());
  params.push(f.limit);
  const { rows } = await q.query<OrderRow>(
    `SELECT ${COLUMNS} FROM orders ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`,
    params,
  );
  return withItems(q, rows);
}

/** OrderChange is what may change on an order after it was placed. */
export interface OrderChange {
  state?: OrderStateName;
  paymentId?: string;
  shipmentId?: string;
  failureReason?: string;
}

/**
 * updateOrder applies change to an order (lock it first), bumps its
 * version and update_time, and appends to its state history when the state
 * changed. It returns the order as stored.
 */
export async function updateOrder(q: Queryable, current: OrderRecord, change: OrderChange): Promise<OrderRecord> {
  const { rows } = await q.query<OrderRow>(
    `UPDATE orders SET state = $2, payment_id = $3, shipment_id = $4, failure_reason = $5, version = version + 1, update_time = now()
      WHERE id = $1
      RETURNING ${COLUMNS}`,
    [
      current.id,
      change.state ?? current.state,
      change.paymentId ?? current.paymentId,
      change.shipmentId ?? current.shipmentId,
      change.failureReason ?? current.failureReason,
    ],
  );
  const updated = toRecord(rows[0]!, current.items);
  if (updated.state !== current.state) await recordStateChange(q, updated);
  return updated;
}

async function recordStateChange(q: Queryable, order: OrderRecord): Promise<void> {
  await q.query(
    `INSERT INTO order_state_changes (order_id, version, state, payment_id, shipment_id, failure_reason, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [order.id, order.version.toString(), order.state, order.paymentId, order.shipmentId, order.failureReason, order.updateTime],
  );
}

/** readStateChanges returns an order's state changes after version, oldest first. */
export async function readStateChanges(q: Queryable, orderId: string, afterVersion: bigint): Promise<StateChange[]> {
  const { rows } = await q.query<{ version: string; state: OrderStateName; payment_id: string; shipment_id: string; failure_reason: string; at: Date }>(
    `SELECT version, state, payment_id, shipment_id, failure_reason, at FROM order_state_changes
      WHERE order_id = $1 AND version > $2 ORDER BY version`,
    [orderId, afterVersion.toString()],
  );
  return rows.map((r) => ({
    version: BigInt(r.version),
    state: r.state,
    paymentId: r.payment_id,
    shipmentId: r.shipment_id,
    failureReason: r.failure_reason,
    at: r.at,
  }));
}
