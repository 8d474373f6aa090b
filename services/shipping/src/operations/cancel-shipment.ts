import type { Queryable } from '@shop/kit';
import type { ShipmentStateName } from '../domain/types';
import { lockShipmentState, markCancelled, recordCancelledOrder } from '../store/shipment-repo';

/** CancelOutcome says what cancelShipment did. */
export type CancelOutcome =
  | { outcome: 'cancelled'; shipmentId: string }
  | { outcome: 'too-late'; shipmentId: string; state: ShipmentStateName }
  | { outcome: 'no-shipment' };

/**
 * cancelShipment cancels the PENDING shipment of a cancelled order. It
 * emits no event: the order is already cancelled, and nothing waits for
 * the shipment. A shipment that has left (SHIPPED, DELIVERED) stays as it
 * is, and so does one already CANCELLED; the caller logs the first case.
 * An order without a shipment yet is remembered, so its OrderConfirmed,
 * should it arrive later, creates none.
 */
export async function cancelShipment(tx: Queryable, orderId: string, reason: string): Promise<CancelOutcome> {
  const shipment = await lockShipmentState(tx, orderId);
  if (shipment === undefined) {
    await recordCancelledOrder(tx, orderId);
    return { outcome: 'no-shipment' };
  }
  if (shipment.state === 'PENDING' && (await markCancelled(tx, shipment.id, reason))) return { outcome: 'cancelled', shipmentId: shipment.id };
  return { outcome: 'too-late', shipmentId: shipment.id, state: shipment.state };
}
