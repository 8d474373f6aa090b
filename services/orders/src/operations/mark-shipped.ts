import type { Logger, Queryable } from '@shop/kit';
import type { ShipmentShipped } from '@shop/sdk/ts/shop/events/v1/shipping_events';
import type { OrderRecord } from '../domain/types';
import { isUuid } from '../domain/order-id';
import { emit } from '../events/emit';
import { orderShipped } from '../events/order-events';
import { findOrder, updateOrder } from '../store/order-repo';

/**
 * markShipped applies a ShipmentShipped event in tx (the consumer's
 * transaction, which also records the event in the inbox): a CONFIRMED
 * order becomes SHIPPED with the shipment's id, and OrderShipped is
 * appended. Events may be late or repeated: a SHIPPED order is left as it
 * is, and an unknown, cancelled or failed order is logged and skipped (the
 * event is still acknowledged: retrying cannot change it). It returns the
 * order when it changed.
 */
export async function markShipped(tx: Queryable, event: ShipmentShipped, log: Logger): Promise<OrderRecord | undefined> {
  const order = isUuid(event.orderId) ? await findOrder(tx, event.orderId.toLowerCase(), { lock: true }) : undefined;
  if (order === undefined) {
    log.warn({ orderId: event.orderId, shipmentId: event.shipmentId }, 'ShipmentShipped for an unknown order: skipped');
    return undefined;
  }
  if (order.state === 'SHIPPED') return undefined;
  if (order.state !== 'CONFIRMED') {
    log.warn({ orderId: order.id, state: order.state, shipmentId: event.shipmentId }, 'ShipmentShipped for an order that is not CONFIRMED: skipped');
    return undefined;
  }
  const shipped = await updateOrder(tx, order, { state: 'SHIPPED', shipmentId: event.shipmentId });
  await emit(tx, orderShipped(shipped, { carrier: event.carrier, trackingNumber: event.trackingNumber }));
  return shipped;
}
