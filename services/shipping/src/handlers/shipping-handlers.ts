import { invalidArgument, isAdmin, notFound, type Database, type ServiceImplementation } from '@shop/kit';
import type { ShippingServiceDefinition } from '@shop/sdk/ts/shop/shipping/v1/shipping_service';
import { findShipmentByOrder } from '../store/shipment-repo';
import { toShipment } from './to-proto';

const ORDER_ID = /^[\x21-\x7e]{1,128}$/;

/** createShippingHandlers implements shop.shipping.v1.ShippingService. */
export function createShippingHandlers(deps: { db: Database }): ServiceImplementation<typeof ShippingServiceDefinition> {
  return {
    async getShipment(req, ctx) {
      if (!ORDER_ID.test(req.orderId)) {
        throw invalidArgument([{ field: 'order_id', description: 'must be 1 to 128 printable characters without spaces' }]);
      }
      const shipment = await findShipmentByOrder(deps.db, req.orderId);
      // Another customer's shipment is as invisible as one that does not exist.
      if (shipment === undefined || (shipment.userId !== ctx.user?.userId && !isAdmin(ctx.user))) throw notFound('shipment', req.orderId);
      return { shipment: toShipment(shipment) };
    },
  };
}
