import { invalidArgument } from '@shop/kit';
import type { Duration } from '@shop/sdk/ts/google/protobuf/duration';
import { checkId, checkInteger, checkSku, MAX_UNITS, Violations } from './field-checks';
import type { ItemQuantity } from './types';

/** MAX_BATCH is how many SKUs BatchGetStock and how many items ReserveStock accept. */
export const MAX_BATCH = 100;

/** MAX_ITEM_QUANTITY is the most units of one SKU a reservation may hold. */
export const MAX_ITEM_QUANTITY = 1000n;

/** MAX_TTL_MS is the longest ttl ReserveStock accepts: one day. */
export const MAX_TTL_MS = 24 * 60 * 60 * 1000;

function throwIfAny(violations: Violations): void {
  if (!violations.empty) throw invalidArgument(violations.list);
}

/** parseSku validates the sku of GetStock. */
export function parseSku(sku: string): string {
  const violations = new Violations();
  checkSku(violations, 'sku', sku);
  throwIfAny(violations);
  return sku;
}

/** parseSkus validates BatchGetStock's skus: 1 to 100 well-formed SKUs (repeats are answered twice). */
export function parseSkus(skus: readonly string[]): string[] {
  const violations = new Violations();
  if (skus.length === 0) violations.add('skus', 'must name at least one SKU');
  if (skus.length > MAX_BATCH) violations.add('skus', `must name at most ${MAX_BATCH} SKUs`);
  skus.forEach((sku, i) => checkSku(violations, `skus[${i}]`, sku));
  throwIfAny(violations);
  return [...skus];
}

/** SetStockInput is a valid SetStock request. */
export interface SetStockInput {
  sku: string;
  onHand: bigint;
}

/** parseSetStock validates SetStock: a well-formed SKU and on_hand in [0, MAX_UNITS]. */
export function parseSetStock(req: { sku: string; onHand: string }): SetStockInput {
  const violations = new Violations();
  checkSku(violations, 'sku', req.sku);
  const onHand = checkInteger(violations, 'on_hand', req.onHand, 0n, MAX_UNITS);
  throwIfAny(violations);
  return { sku: req.sku, onHand: onHand! };
}

/** AdjustStockInput is a valid AdjustStock request; requestId is '' when the caller sent none. */
export interface AdjustStockInput {
  sku: string;
  delta: bigint;
  reason: string;
  requestId: string;
}

/** MAX_REASON_LENGTH bounds the free-text reasons kept in the ledger. */
export const MAX_REASON_LENGTH = 500;

/** parseAdjustStock validates AdjustStock: a well-formed SKU, delta not 0 and within ±MAX_UNITS, a short reason, an optional id. */
export function parseAdjustStock(req: { sku: string; delta: string; reason: string; requestId: string }): AdjustStockInput {
  const violations = new Violations();
  checkSku(violations, 'sku', req.sku);
  const delta = checkInteger(violations, 'delta', req.delta, -MAX_UNITS, MAX_UNITS);
  if (delta === 0n) violations.add('delta', 'must not be 0');
  if (req.reason.length > MAX_REASON_LENGTH) violations.add('reason', `must be at most ${MAX_REASON_LENGTH} characters`);
  if (req.requestId !== '') checkId(violations, 'request_id', req.requestId);
  throwIfAny(violations);
  return { sku: req.sku, delta: delta!, reason: req.reason, requestId: req.requestId };
}

/** ReserveInput is a valid ReserveStock request, items sorted by SKU (the order locks are taken in). */
export interface ReserveInput {
  reservationId: string;
  orderId: string;
  items: ItemQuantity[];
  ttlMs: number;
}

/**
 * parseReserveStock validates ReserveStock: ids, 1 to 100 items with
 * distinct well-formed SKUs and quantities 1 to 1000, and a ttl in
 * (0, 1 day] (defaultTtlMs when unset).
 */
export function parseReserveStock(
  req: { reservationId: string; orderId: string; items: ReadonlyArray<{ sku: string; quantity: string }>; ttl: Duration | undefined },
  defaultTtlMs: number,
): ReserveInput {
  const violations = new Violations();
  checkId(violations, 'reservation_id', req.reservationId);
  checkId(violations, 'order_id', req.orderId);
  if (req.items.length === 0) violations.add('items', 'must hold at least one item');
  if (req.items.length > MAX_BATCH) violations.add('items', `must hold at most ${MAX_BATCH} items`);
  const items: ItemQuantity[] = [];
  const seen = new Set<string>();
  req.items.forEach((item, i) => {
    const skuOk = checkSku(violations, `items[${i}].sku`, item.sku);
    if (skuOk && seen.has(item.sku)) violations.add(`items[${i}].sku`, 'appears twice: give each SKU one item');
    seen.add(item.sku);
    const quantity = checkInteger(violations, `items[${i}].quantity`, item.quantity, 1n, MAX_ITEM_QUANTITY);
    if (skuOk && quantity !== undefined) items.push({ sku: item.sku, quantity });
  });
  const ttlMs = ttlToMs(violations, req.ttl, defaultTtlMs);
  throwIfAny(violations);
  return { reservationId: req.reservationId, orderId: req.orderId, items: sortBySku(items), ttlMs: ttlMs! };
}

/** ttlToMs turns the optional ttl into milliseconds, rounding nanoseconds up so a tiny ttl never becomes 0. */
function ttlToMs(violations: Violations, ttl: Duration | undefined, defaultTtlMs: number): number | undefined {
  if (ttl === undefined) return defaultTtlMs;
  const seconds = Number(ttl.seconds);
  if (!Number.isInteger(seconds) || ttl.nanos < 0 || ttl.nanos > 999_999_999 || seconds < 0) {
    violations.add('ttl', 'must be a positive duration');
    return undefined;
  }
  const ms = seconds * 1000 + Math.ceil(ttl.nanos / 1_000_000);
  if (ms <= 0 || ms > MAX_TTL_MS) {
    violations.add('ttl', 'must be more than 0 and at most one day');
    return undefined;
  }
  return ms;
}

/** sortBySku returns items ordered by SKU (code-point order, the same on every replica). */
export function sortBySku<T extends { sku: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** parseReservationId validates the reservation_id of Commit, Release, Return and GetReservation. */
export function parseReservationId(reservationId: string): string {
  const violations = new Violations();
  checkId(violations, 'reservation_id', reservationId);
  throwIfAny(violations);
  return reservationId;
}

/** parseReleaseReason validates the optional reason of ReleaseReservation and ReturnReservation. */
export function parseReleaseReason(reason: string): string {
  const violations = new Violations();
  if (reason.length > MAX_REASON_LENGTH) violations.add('reason', `must be at most ${MAX_REASON_LENGTH} characters`);
  throwIfAny(violations);
  return reason;
}
