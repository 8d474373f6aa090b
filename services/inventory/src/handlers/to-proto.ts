import type { DeepPartial } from '@shop/kit';
import { ReservationState, type Reservation, type StockLevel as StockLevelMessage } from '@shop/sdk/ts/shop/inventory/v1/stock';
import { availableOf, type ReservationRecord, type ReservationStateName, type StockLevel } from '../domain/types';

const STATES: Record<ReservationStateName, ReservationState> = {
  ACTIVE: ReservationState.RESERVATION_STATE_ACTIVE,
  COMMITTED: ReservationState.RESERVATION_STATE_COMMITTED,
  RELEASED: ReservationState.RESERVATION_STATE_RELEASED,
  EXPIRED: ReservationState.RESERVATION_STATE_EXPIRED,
  RETURNED: ReservationState.RESERVATION_STATE_RETURNED,
};

/** toStockLevel maps a level to shop.inventory.v1.StockLevel, with available derived. */
export function toStockLevel(level: StockLevel): DeepPartial<StockLevelMessage> {
  return {
    sku: level.sku,
    onHand: level.onHand,
    reserved: level.reserved,
    available: availableOf(level),
    sold: level.sold,
    updateTime: level.updateTime,
  };
}

/** toReservation maps a reservation to shop.inventory.v1.Reservation. */
export function toReservation(r: ReservationRecord): DeepPartial<Reservation> {
  return {
    reservationId: r.reservationId,
    orderId: r.orderId,
    items: r.items.map((item) => ({ sku: item.sku, quantity: item.quantity })),
    state: STATES[r.state],
    expireTime: r.expireTime,
    createTime: r.createTime,
    updateTime: r.updateTime,
  };
}
