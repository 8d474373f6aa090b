import type { EventHandlers } from '@shop/kit';
import type { Logger } from 'pino';
import { confirmedOrderOf } from './domain/confirmed-order';
import { cancelShipment } from './operations/cancel-shipment';
import { createShipment } from './operations/create-shipment';

/** ORDER_CONFIRMED and ORDER_CANCELLED are the event types the shipping service consumes. */
export const ORDER_CONFIRMED = 'shop.events.v1.OrderConfirmed';
export const ORDER_CANCELLED = 'shop.events.v1.OrderCancelled';

/** OrderEventDeps are what the order event handlers need. */
export interface OrderEventDeps {
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  shipDelayMs: number;
}

/**
 * createOrderEventHandlers returns the shipping service's event handlers.
 * Each runs in the consumer's transaction, so the shipment change, the
 * events it appends and the inbox row commit together. An event that can
 * never make a shipment (no order id) is logged and acknowledged: retrying
 * it would only hold up the events behind it.
 */
export function createOrderEventHandlers({ log, shipDelayMs }: OrderEventDeps): EventHandlers {
  return {
    async [ORDER_CONFIRMED](event, tx) {
      if (event.payload?.$case !== 'orderConfirmed') return;
      const read = confirmedOrderOf(event.payload.value);
      if (!read.ok) {
        log.error({ event_id: event.id, problem: read.problem }, 'OrderConfirmed cannot make a shipment; skipped');
        return;
      }
      const result = await createShipment(tx, read.order, shipDelayMs);
      if (result.created) log.info({ order_id: read.order.orderId, shipment_id: result.shipmentId }, 'shipment created');
      else if (result.why === 'order-cancelled') log.info({ order_id: read.order.orderId }, 'order was cancelled before it was confirmed here; no shipment');
    },

    async [ORDER_CANCELLED](event, tx) {
      if (event.payload?.$case !== 'orderCancelled') return;
      const { orderId, reason } = event.payload.value;
      if (!orderId) {
        log.error({ event_id: event.id }, 'OrderCancelled without an order id; skipped');
        return;
      }
      const result = await cancelShipment(tx, orderId, reason);
      if (result.outcome === 'cancelled') log.info({ order_id: orderId, shipment_id: result.shipmentId }, 'shipment cancelled');
      else if (result.outcome === 'too-late' && result.state !== 'CANCELLED') {
        log.warn({ order_id: orderId, shipment_id: result.shipmentId, state: result.state }, 'order cancelled after its shipment left; it stays shipped');
      }
    },
  };
}
