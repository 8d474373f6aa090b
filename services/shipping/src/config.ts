import { z } from 'zod';
import { envInt, envDuration } from '@shop/kit';

const DAY_MS = 24 * 3_600_000;

/** shippingEnv is the shipping service's own configuration, added to the common one. */
export const shippingEnv = {
  /** ORDERS_ADDRESS is where the orders service serves its event feed (embedded transport). */
  ORDERS_ADDRESS: z.string().min(1).default('127.0.0.1:50054'),
  /** SHIP_DELAY is how long a shipment stays PENDING (being packed) before it ships. */
  SHIP_DELAY: envDuration(0, DAY_MS).default(2_000),
  /**
   * SHIP_POLL_INTERVAL is the longest the shipper sleeps with no shipment
   * due and no notification: it wakes when the next shipment is due and
   * when one is created (in any replica), so this only bounds a lost
   * notification's delay.
   */
  SHIP_POLL_INTERVAL: envDuration(10, 3_600_000).default(10_000),
  /** SHIP_BATCH is how many shipments one shipping transaction takes at most. */
  SHIP_BATCH: envInt(1, 1_000).default(50),
  /** EVENTS_POLL_INTERVAL is how often the idle event relay and feed consumer look for new events. */
  EVENTS_POLL_INTERVAL: envDuration(10, 60_000).default(200),
  /** EVENTS_EXCHANGE is the RabbitMQ topic exchange of shop events (with AMQP_URL). */
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
  /** EVENTS_QUEUE is this service's RabbitMQ queue (with AMQP_URL); dead letters go to `<queue>.dlq`. */
  EVENTS_QUEUE: z.string().min(1).default('shop.shipping'),
};

/** ShippingConfig is the parsed shippingEnv. */
export type ShippingConfig = z.output<z.ZodObject<typeof shippingEnv>>;
