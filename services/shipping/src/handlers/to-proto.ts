import type { DeepPartial } from '@shop/kit';
import { ShipmentState, type Shipment as ShipmentMessage } from '@shop/sdk/ts/shop/shipping/v1/shipment';
import type { Shipment, ShipmentStateName } from '../domain/types';

const STATES: Record<ShipmentStateName, ShipmentState> = {
  PENDING: ShipmentState.SHIPMENT_STATE_PENDING,
  SHIPPED: ShipmentState.SHIPMENT_STATE_SHIPPED,
  DELIVERED: ShipmentState.SHIPMENT_STATE_DELIVERED,
  CANCELLED: ShipmentState.SHIPMENT_STATE_CANCELLED,
};

/**
 * toShipment maps a shipment to shop.shipping.v1.Shipment. The carrier is
 * set from creation (the parcel is handed to it then); the tracking number,
 * assigned at creation too, is shown once the shipment has shipped, as the
 * contract says.
 */
export function toShipment(s: Shipment): DeepPartial<ShipmentMessage> {
  const left = s.state === 'SHIPPED' || s.state === 'DELIVERED';
  return {
    id: s.id,
    orderId: s.orderId,
    userId: s.userId,
    state: STATES[s.state],
    carrier: s.carrier,
    trackingNumber: left ? s.trackingNumber : '',
    address: s.address,
    items: s.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
    createTime: s.createTime,
    shipTime: s.shipTime,
    deliverTime: s.deliverTime,
  };
}
