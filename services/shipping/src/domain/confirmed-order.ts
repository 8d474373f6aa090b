import type { OrderConfirmed } from '@shop/sdk/ts/shop/events/v1/order_events';
import type { ConfirmedOrder, ShipmentItem } from './types';

/** ConfirmedOrderResult is a usable order, or why the event cannot make a shipment. */
export type ConfirmedOrderResult = { ok: true; order: ConfirmedOrder } | { ok: false; problem: string };

/** MAX_QUANTITY is the largest quantity a line may hold (18 digits). */
const MAX_QUANTITY = 999_999_999_999_999_999n;

/**
 * confirmedOrderOf reads an OrderConfirmed event: the order and its owner,
 * where it goes, and its items as one entry per SKU (lines with the same
 * SKU are added up, in the order they first appear). An event without an
 * order or user id, or with a line that has no SKU or a quantity below 1,
 * is refused with the reason: a producer bug that retrying cannot fix.
 */
export function confirmedOrderOf(event: OrderConfirmed): ConfirmedOrderResult {
  if (!event.orderId) return { ok: false, problem: 'the event has no order_id' };
  if (!event.userId) return { ok: false, problem: 'the event has no user_id' };
  const items = new Map<string, ShipmentItem>();
  for (const [index, line] of event.items.entries()) {
    if (!line.sku) return { ok: false, problem: `items[${index}] has no sku` };
    if (line.quantity < 1n || line.quantity > MAX_QUANTITY) return { ok: false, problem: `items[${index}].quantity must be 1 or more, got ${line.quantity}` };
    const item = items.get(line.sku);
    if (item === undefined) items.set(line.sku, { sku: line.sku, quantity: line.quantity });
    else item.quantity += line.quantity;
  }
  return { ok: true, order: { orderId: event.orderId, userId: event.userId, address: event.shippingAddress, items: [...items.values()] } };
}
