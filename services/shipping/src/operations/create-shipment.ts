import { randomUUID } from 'node:crypto';
import { appendEvents, type Queryable } from '@shop/kit';
import { newTrackingNumber } from '../domain/tracking-number';
import { CARRIER, type ConfirmedOrder } from '../domain/types';
import { insertShipment, isCancelledOrder } from '../store/shipment-repo';

/** CreateOutcome says what createShipment did. */
export type CreateOutcome = { created: true; shipmentId: string } | { created: false; why: 'exists' | 'order-cancelled' };

/**
 * createShipment creates the PENDING shipment of a confirmed order, with
 * the carrier and a fresh tracking number, due to ship after shipDelayMs,
 * and appends ShipmentCreated in the same transaction. An order has at most
 * one shipment: a second OrderConfirmed for it (another event id, a replay)
 * changes nothing. Neither does one for an order whose OrderCancelled came
 * first.
 */
export async function createShipment(tx: Queryable, order: ConfirmedOrder, shipDelayMs: number): Promise<CreateOutcome> {
  if (await isCancelledOrder(tx, order.orderId)) return { created: false, why: 'order-cancelled' };
  const id = randomUUID();
  const inserted = await insertShipment(tx, { id, order, carrier: CARRIER, trackingNumber: newTrackingNumber(), shipDelayMs });
  if (!inserted) return { created: false, why: 'exists' };
  await appendEvents(tx, 'shipping', [
    {
      subject: id,
      payload: {
        $case: 'shipmentCreated',
        value: {
          shipmentId: id,
          orderId: order.orderId,
          userId: order.userId,
          address: order.address,
          items: order.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
        },
      },
    },
  ]);
  return { created: true, shipmentId: id };
}
