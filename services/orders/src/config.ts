import { z } from 'zod';
import { envInt, envDuration } from '@shop/kit';

const address = (port: number) => z.string().min(1).default(`127.0.0.1:${port}`);

/** ordersEnv is the orders service's own configuration, added to the kit's common one. */
export const ordersEnv = {
  /** CATALOG_ADDRESS is where prices come from (BatchGetProducts). */
  CATALOG_ADDRESS: address(50052),
  /** INVENTORY_ADDRESS is where stock is reserved, committed, released and returned. */
  INVENTORY_ADDRESS: address(50053),
  /** PAYMENTS_ADDRESS is where orders are charged and refunded. */
  PAYMENTS_ADDRESS: address(50055),
  /** SHIPPING_ADDRESS is the shipping service, whose ShipmentShipped events mark orders SHIPPED. */
  SHIPPING_ADDRESS: address(50056),
  /** PLACE_ORDER_WAIT is how long PlaceOrder (and CancelOrder) wait for the saga before answering with the order as it stands. */
  PLACE_ORDER_WAIT: envDuration(0, 60_000).default(2_000),
  /** RESERVATION_TTL is how long inventory holds an order's units: long enough to cover the whole saga. */
  RESERVATION_TTL: envDuration(60_000, 24 * 3_600_000).default(15 * 60_000),
  /** SAGA_RECOVERY_INTERVAL is the pause between two runs of the recovery loop, which resumes unfinished sagas. */
  SAGA_RECOVERY_INTERVAL: envDuration(10, 3_600_000).default(2_000),
  /** SAGA_RECOVERY_BATCH is how many due sagas one recovery run claims at most. */
  SAGA_RECOVERY_BATCH: envInt(1, 10_000).default(50),
  /** SAGA_LEASE is how long a process owns a saga it drives; it renews the lease every third of it. */
  SAGA_LEASE: envDuration(300, 3_600_000).default(30_000),
  /** SAGA_CALL_TIMEOUT bounds each remote call of a saga step. */
  SAGA_CALL_TIMEOUT: envDuration(100, 120_000).default(10_000),
  /**
   * SAGA_STEP_TIMEOUT is how long a checkout step keeps retrying transient
   * failures (a service down or restarting) before the saga gives up and
   * compensates. Business failures (declined, out of stock) fail at once.
   */
  SAGA_STEP_TIMEOUT: envDuration(1_000, 3_600_000).default(45_000),
  /** SAGA_STEP_ATTEMPTS is how often a compensation is tried in place before it is handed to the recovery loop. */
  SAGA_STEP_ATTEMPTS: envInt(1, 100).default(5),
  /** SAGA_RETRY_BACKOFF is the first pause before a step is tried again; it doubles per attempt up to SAGA_RETRY_MAX_BACKOFF. */
  SAGA_RETRY_BACKOFF: envDuration(1, 60_000).default(200),
  /** SAGA_RETRY_MAX_BACKOFF caps that pause, and is how long a deferred compensation waits for the recovery loop. */
  SAGA_RETRY_MAX_BACKOFF: envDuration(1, 3_600_000).default(5_000),
  /** EVENTS_EXCHANGE is the RabbitMQ topic exchange of shop events (with AMQP_URL). */
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
  /** EVENTS_QUEUE is this service's RabbitMQ queue (with AMQP_URL); dead letters go to `<queue>.dlq`. */
  EVENTS_QUEUE: z.string().min(1).default('shop.orders'),
  /** WATCH_POLL_INTERVAL is how often WatchOrder looks at the database for changes made by other replicas. */
  WATCH_POLL_INTERVAL: envDuration(10, 60_000).default(500),
  /**
   * PAGE_TOKEN_SECRET keys the HMAC in ListOrders page tokens so an edited
   * token is refused; every replica must share it. Unset, each installation
   * generates its own and keeps it in its database (the kit's
   * installationSecret). A forged token could only start a listing the
   * caller may see anyway at another position.
   */
  PAGE_TOKEN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
};

/** OrdersConfig is the parsed ordersEnv. */
export type OrdersConfig = z.output<z.ZodObject<typeof ordersEnv>>;
