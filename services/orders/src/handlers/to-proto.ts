import type { DeepPartial } from '@shop/kit';
import { OrderState, type Order } from '@shop/sdk/ts/shop/orders/v1/order';
import { lineTotal, type OrderRecord, type OrderStateName, type StateChange } from '../domain/types';

const STATES: Record<OrderStateName, OrderState> = {
  PENDING: OrderState.ORDER_STATE_PENDING,
  CONFIRMED: OrderState.ORDER_STATE_CONFIRMED,
  SHIPPED: OrderState.ORDER_STATE_SHIPPED,
  CANCELLED: OrderState.ORDER_STATE_CANCELLED,
  FAILED: OrderState.ORDER_STATE_FAILED,
};

/** stateName maps a proto OrderState to its stored name; UNSPECIFIED and unknown values give undefined (any state, as a filter). */
export function stateName(state: OrderState): OrderStateName | undefined {
  return (Object.keys(STATES) as OrderStateName[]).find((name) => STATES[name] === state);
}

/** toOrder maps a stored order to shop.orders.v1.Order. */
export function toOrder(o: OrderRecord): DeepPartial<Order> {
  const money = (amountMinor: bigint) => ({ currencyCode: o.currencyCode, amountMinor });
  return {
    id: o.id,
    userId: o.userId,
    state: STATES[o.state],
    items: o.items.map((line) => ({
      productId: line.productId,
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      unitPrice: money(line.unitPriceMinor),
      lineTotal: money(lineTotal(line)),
    })),
    total: money(o.totalMinor),
    shippingAddress: o.shippingAddress,
    paymentId: o.paymentId,
    shipmentId: o.shipmentId,
    failureReason: o.failureReason,
    createTime: o.createTime,
    updateTime: o.updateTime,
    version: o.version,
  };
}

/** asOfChange is the order as it stood right after a state change: its fixed fields with the change's. */
export function asOfChange(order: OrderRecord, change: StateChange): OrderRecord {
  return {
    ...order,
    state: change.state,
    paymentId: change.paymentId,
    shipmentId: change.shipmentId,
    failureReason: change.failureReason,
    version: change.version,
    updateTime: change.at,
  };
}
