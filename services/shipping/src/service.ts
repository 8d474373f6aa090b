import path from 'node:path';
import { createEvents, EVENT_FEED_CALLERS, register, type ServiceSpec } from '@shop/kit';
import { ShippingServiceDefinition } from '@shop/sdk/ts/shop/shipping/v1/shipping_service';
import { shippingEnv } from './config';
import { createShippingHandlers } from './handlers/shipping-handlers';
import { createOrderEventHandlers } from './order-events';
import { createShipper } from './shipper';

/**
 * shippingService is the composition root of the shipping service: it
 * consumes the orders service's OrderConfirmed and OrderCancelled events,
 * ships shipments after SHIP_DELAY, publishes ShipmentCreated and
 * ShipmentShipped, and serves GetShipment and its event feed.
 */
export const shippingService: ServiceSpec<typeof shippingEnv> = {
  name: 'shipping',
  env: shippingEnv,
  migrationsDir: path.join(__dirname, '..', 'migrations'),
  internalCallers: { ...EVENT_FEED_CALLERS },
  async build({ config, log, db, clients, metrics }) {
    const events = createEvents({
      service: 'shipping',
      db,
      log,
      amqpUrl: config.AMQP_URL,
      clients,
      metrics,
      exchange: config.EVENTS_EXCHANGE,
      queue: config.EVENTS_QUEUE,
      pollIntervalMs: config.EVENTS_POLL_INTERVAL,
    });
    const consumer = events.consume({
      sources: { orders: config.ORDERS_ADDRESS },
      handlers: createOrderEventHandlers({ log, shipDelayMs: config.SHIP_DELAY }),
    });
    events.relay.start();
    consumer.start();
    const shipper = createShipper({ db, batchSize: config.SHIP_BATCH, maxIdleMs: config.SHIP_POLL_INTERVAL, log });
    shipper.start();
    return {
      services: [register(ShippingServiceDefinition, createShippingHandlers({ db })), events.feed],
      // Stop taking events first, then shipping, and let the relay publish what they appended last.
      stop: [consumer.stop, shipper.stop, events.relay.stop],
    };
  },
};
