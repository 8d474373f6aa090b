import { ErrorReason } from '@shop/sdk/ts/shop/common/v1/errors';
import type { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import type { OrderLine as OrderLineEvent } from '@shop/sdk/ts/shop/events/v1/order_events';
import type { FailureCode } from '../domain/saga';
import { lineTotal, type OrderRecord } from '../domain/types';

/** OrderEvent is one order event to append to the outbox: its subject (the order id) and payload. */
export interface OrderEvent {
  subject: string;
  payload: NonNullable<EventEnvelope['payload']>;
}

const ERROR_REASONS: Record<FailureCode, ErrorReason> = {
  INSUFFICIENT_STOCK: ErrorReason.ERROR_REASON_INSUFFICIENT_STOCK,
  PAYMENT_DECLINED: ErrorReason.ERROR_REASON_PAYMENT_DECLINED,
  PAYMENT_PROVIDER_UNAVAILABLE: ErrorReason.ERROR_REASON_PAYMENT_PROVIDER_UNAVAILABLE,
  RESERVATION_EXPIRED: ErrorReason.ERROR_REASON_RESERVATION_EXPIRED,
  UNSPECIFIED: ErrorReason.ERROR_REASON_UNSPECIFIED,
};

function money(order: OrderRecord, amountMinor: bigint) {
  return { currencyCode: order.currencyCode, amountMinor };
}

function lines(order: OrderRecord): OrderLineEvent[] {
  return order.items.map((line) => ({
    productId: line.productId,
    sku: line.sku,
    name: line.name,
    quantity: line.quantity,
    unitPrice: money(order, line.unitPriceMinor),
    lineTotal: money(order, lineTotal(line)),
  }));
}

/** orderPlaced is shop.events.v1.OrderPlaced: the order was accepted and its checkout starts. */
export function orderPlaced(order: OrderRecord): OrderEvent {
  return {
    subject: order.id,
    payload: {
      $case: 'orderPlaced',
      value: { orderId: order.id, userId: order.userId, items: lines(order), total: money(order, order.totalMinor), shippingAddress: order.shippingAddress },
    },
  };
}

/** orderConfirmed is shop.events.v1.OrderConfirmed: stock committed and payment captured; shipping creates the shipment from it. */
export function orderConfirmed(order: OrderRecord): OrderEvent {
  return {
    subject: order.id,
    payload: {
      $case: 'orderConfirmed',
      value: {
        orderId: order.id,
        userId: order.userId,
        items: lines(order),
        total: money(order, order.totalMinor),
        shippingAddress: order.shippingAddress,
        paymentId: order.paymentId,
      },
    },
  };
}

/** orderFailed is shop.events.v1.OrderFailed: the checkout failed and what it did was undone. */
export function orderFailed(order: OrderRecord, code: FailureCode): OrderEvent {
  return {
    subject: order.id,
    payload: { $case: 'orderFailed', value: { orderId: order.id, userId: order.userId, reason: order.failureReason, errorReason: ERROR_REASONS[code] } },
  };
}

/** orderCancelled is shop.events.v1.OrderCancelled: cancelled before shipping; shipping cancels a pending shipment. */
export function orderCancelled(order: OrderRecord, cancelledByUserId: string): OrderEvent {
  return {
    subject: order.id,
    payload: { $case: 'orderCancelled', value: { orderId: order.id, userId: order.userId, reason: order.failureReason, cancelledByUserId } },
  };
}

/** orderShipped is shop.events.v1.OrderShipped: the order's shipment left the warehouse. */
export function orderShipped(order: OrderRecord, shipment: { carrier: string; trackingNumber: string }): OrderEvent {
  return {
    subject: order.id,
    payload: {
      $case: 'orderShipped',
      value: { orderId: order.id, userId: order.userId, shipmentId: order.shipmentId, carrier: shipment.carrier, trackingNumber: shipment.trackingNumber },
    },
  };
}
