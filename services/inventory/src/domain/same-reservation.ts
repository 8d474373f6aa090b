import type { ItemQuantity } from './types';

/** ReservationRequestKey is what makes two ReserveStock calls the same request. */
export interface ReservationRequestKey {
  orderId: string;
  items: readonly ItemQuantity[];
}

/**
 * isSameReservation tells whether a repeated ReserveStock asks for what the
 * stored reservation holds: the same order and the same quantity per SKU, in
 * any order. The ttl is not compared: a retry computed a moment later may
 * send another one, and it changes nothing that is held.
 */
export function isSameReservation(stored: ReservationRequestKey, requested: ReservationRequestKey): boolean {
  if (stored.orderId !== requested.orderId || stored.items.length !== requested.items.length) return false;
  const held = new Map(stored.items.map((item) => [item.sku, item.quantity]));
  return requested.items.every((item) => held.get(item.sku) === item.quantity);
}
