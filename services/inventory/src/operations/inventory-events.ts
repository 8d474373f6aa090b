import { appendEvents, type NewEvent, type Queryable } from '@shop/kit';
import { StockReleaseReason } from '@shop/sdk/ts/shop/events/v1/inventory_events';
import type { ItemQuantity, ReservationRecord, StockLevel } from '../domain/types';
import { availableOf } from '../domain/types';

/** SOURCE is the envelope source of every inventory event. */
export const SOURCE = 'inventory';

/**
 * appendInventoryEvents writes events to the kit's outbox through tx, the
 * transaction of the change they describe, so they exist exactly when the
 * change commits; the relay started in service.ts publishes them.
 */
export function appendInventoryEvents(tx: Queryable, events: NewEvent[]): Promise<void> {
  return appendEvents(tx, SOURCE, events);
}

function items(list: readonly ItemQuantity[]) {
  return list.map((i) => ({ sku: i.sku, quantity: i.quantity }));
}

/** reservedEvent is shop.events.v1.StockReserved for a reservation that was just created; subject is the reservation id. */
export function reservedEvent(r: ReservationRecord): NewEvent {
  return {
    subject: r.reservationId,
    payload: { $case: 'stockReserved', value: { reservationId: r.reservationId, orderId: r.orderId, items: items(r.items), expireTime: r.expireTime } },
  };
}

/** releasedEvent is shop.events.v1.StockReleased for a reservation whose units were just given back (on request or on expiry). */
export function releasedEvent(r: Pick<ReservationRecord, 'reservationId' | 'orderId' | 'items'>, reason: 'REQUESTED' | 'EXPIRED'): NewEvent {
  return {
    subject: r.reservationId,
    payload: {
      $case: 'stockReleased',
      value: {
        reservationId: r.reservationId,
        orderId: r.orderId,
        items: items(r.items),
        reason: reason === 'REQUESTED' ? StockReleaseReason.STOCK_RELEASE_REASON_REQUESTED : StockReleaseReason.STOCK_RELEASE_REASON_EXPIRED,
      },
    },
  };
}

/** committedEvent is shop.events.v1.StockCommitted for a reservation that just became a sale. */
export function committedEvent(r: ReservationRecord): NewEvent {
  return { subject: r.reservationId, payload: { $case: 'stockCommitted', value: { reservationId: r.reservationId, orderId: r.orderId, items: items(r.items) } } };
}

/** stockLowEvent is shop.events.v1.StockLow for a SKU whose availability just crossed down to threshold; subject is the SKU. */
export function stockLowEvent(level: StockLevel, threshold: bigint): NewEvent {
  return { subject: level.sku, payload: { $case: 'stockLow', value: { sku: level.sku, available: availableOf(level), threshold: BigInt(threshold) } } };
}
