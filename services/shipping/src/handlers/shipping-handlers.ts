import { isAdmin, notFound, type Database, type ServiceImplementation } from '@shop/kit';
import type { ShippingServiceDefinition } from '@shop/sdk/ts/shop/shipping/v1/shipping_service';
import { findShipmentByOrder } from '../store/shipment-repo';
import { toShipment } from './to-proto';

/** createShippingHandlers implements shop.shipping.v1.ShippingService. */
export function createShippingHandlers(deps: { db: Database }): ServiceImplementation<typeof ShippingServiceDefinition> {
  return {
    async getShipment(req, ctx) {
      // The order id's form is the contract's, enforced before the handler runs.
      const shipment = await findShipmentByOrder(deps.db, req.orderId);
      // Another customer's shipment is as invisible as one that does not exist.
      if (shipment === undefined || (shipment.userId !== ctx.user?.userId && !isAdmin(ctx.user))) throw notFound('shipment', req.orderId);
      return { shipment: toShipment(shipment) };
    },
  };
}
