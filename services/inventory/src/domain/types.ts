/** StockLevel is one SKU's counts; available is derived, never stored. */
export interface StockLevel {
  sku: string;
  onHand: bigint;
  reserved: bigint;
  sold: bigint;
  /** updateTime is unset for a SKU the service has never counted. */
  updateTime?: Date;
}

/** ReservationStateName is a reservation's state as stored (ReservationState without its prefix). */
export type ReservationStateName = 'ACTIVE' | 'COMMITTED' | 'RELEASED' | 'EXPIRED' | 'RETURNED';

/** ItemQuantity is a number of units of one SKU. */
export interface ItemQuantity {
  sku: string;
  quantity: bigint;
}

/** ReservationRecord is a stored reservation with its items, sorted by SKU. */
export interface ReservationRecord {
  reservationId: string;
  orderId: string;
  state: ReservationStateName;
  items: ItemQuantity[];
  expireTime: Date;
  createTime: Date;
  updateTime: Date;
}

/** availableOf is what can still be reserved: on_hand minus reserved. */
export function availableOf(level: Pick<StockLevel, 'onHand' | 'reserved'>): bigint {
  return level.onHand - level.reserved;
}

/** emptyLevel is the level of a SKU the service has never counted: zero everywhere. */
export function emptyLevel(sku: string): StockLevel {
  return { sku, onHand: 0n, reserved: 0n, sold: 0n };
}
