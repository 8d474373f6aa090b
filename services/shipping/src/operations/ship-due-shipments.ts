import { appendEvents, type Database } from '@shop/kit';
import { shipDue } from '../store/shipment-repo';

/**
 * shipDueShipments hands the (simulated) carrier every PENDING shipment
 * whose ship_after has passed, up to batchSize in one transaction: each
 * becomes SHIPPED with its ship_time, and ShipmentShipped (with the order
 * id, from which the orders service marks the order SHIPPED) is appended
 * in the same transaction. Returns how many shipped.
 */
export async function shipDueShipments(db: Database, batchSize: number): Promise<number> {
  return db.transaction(async (tx) => {
    const shipped = await shipDue(tx, batchSize);
    await appendEvents(
      tx,
      'shipping',
      shipped.map((s) => ({
        subject: s.id,
        payload: {
          $case: 'shipmentShipped' as const,
          value: { shipmentId: s.id, orderId: s.orderId, userId: s.userId, carrier: s.carrier, trackingNumber: s.trackingNumber },
        },
      })),
    );
    return shipped.length;
  });
}
