import type { Duration } from '@shop/sdk/ts/google/protobuf/duration';
import type { ItemQuantity } from './types';
import { durationToMs } from '@shop/sdk/lib/time';

// The requests' shapes (SKU format, ranges, item counts, distinct SKUs, ttl
// bounds, id formats, reason lengths) are rules of the contract
// (proto/shop/inventory/v1, buf.validate), which the runtime enforces before
// a handler runs. What is left here turns a valid request into the
// operation's input.

/** SetStockInput is a valid SetStock request. */
export interface SetStockInput {
  sku: string;
  onHand: bigint;
}

/** toSetStock reads a valid SetStock request. */
export function toSetStock(req: { sku: string; onHand: bigint }): SetStockInput {
  return { sku: req.sku, onHand: req.onHand };
}

/** AdjustStockInput is a valid AdjustStock request; requestId is '' when the caller sent none. */
export interface AdjustStockInput {
  sku: string;
  delta: bigint;
  reason: string;
  requestId: string;
}

/** toAdjustStock reads a valid AdjustStock request. */
export function toAdjustStock(req: { sku: string; delta: bigint; reason: string; requestId: string }): AdjustStockInput {
  return { sku: req.sku, delta: req.delta, reason: req.reason, requestId: req.requestId };
}

/** ReserveInput is a valid ReserveStock request, items sorted by SKU (the order locks are taken in). */
export interface ReserveInput {
  reservationId: string;
  orderId: string;
  items: ItemQuantity[];
  ttlMs: number;
}

/** toReserveStock reads a valid ReserveStock request: items sorted by SKU, the ttl in milliseconds (defaultTtlMs when unset). */
export function toReserveStock(
  req: { reservationId: string; orderId: string; items: ReadonlyArray<{ sku: string; quantity: bigint }>; ttl: Duration | undefined },
  defaultTtlMs: number,
): ReserveInput {
  const items = req.items.map((item) => ({ sku: item.sku, quantity: item.quantity }));
  return { reservationId: req.reservationId, orderId: req.orderId, items: sortBySku(items), ttlMs: ttlToMs(req.ttl, defaultTtlMs) };
}

/** ttlToMs turns the optional ttl into milliseconds, rounding nanoseconds up so a tiny ttl never becomes 0. */
function ttlToMs(ttl: Duration | undefined, defaultTtlMs: number): number {
  return durationToMs(ttl, defaultTtlMs);
}

/** sortBySku returns items ordered by SKU (code-point order, the same on every replica). */
export function sortBySku<T extends { sku: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}
