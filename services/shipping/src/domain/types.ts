import type { PostalAddress } from '@shop/sdk/ts/shop/common/v1/address';

/** ShipmentStateName is a shipment's life-cycle state as stored. */
export type ShipmentStateName = 'PENDING' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';

/** ShipmentItem is a quantity of one SKU in a parcel. */
export interface ShipmentItem {
  sku: string;
  quantity: bigint;
}

/** Shipment is a shipment as stored. */
export interface Shipment {
  id: string;
  orderId: string;
  userId: string;
  state: ShipmentStateName;
  carrier: string;
  trackingNumber: string;
  address: PostalAddress | undefined;
  items: ShipmentItem[];
  createTime: Date;
  shipTime: Date | undefined;
  deliverTime: Date | undefined;
}

/** ConfirmedOrder is what the shipping service takes from an OrderConfirmed event. */
export interface ConfirmedOrder {
  orderId: string;
  userId: string;
  address: PostalAddress | undefined;
  items: ShipmentItem[];
}

/** CARRIER is the (simulated) carrier every shipment goes with. */
export const CARRIER = 'shopmesh-post';
