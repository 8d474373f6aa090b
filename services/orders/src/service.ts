import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { createEvents, EVENT_FEED_CALLERS, installationSecret, register, type Database, type ServiceSpec } from '@shop/kit';
import { CatalogServiceDefinition } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { OrderServiceDefinition } from '@shop/sdk/ts/shop/orders/v1/order_service';
import { PaymentServiceDefinition } from '@shop/sdk/ts/shop/payments/v1/payment_service';
import { ordersEnv } from './config';
import { createPageTokenCodec } from './domain/page-token';
import { createOrderHandlers } from './handlers/order-handlers';
import { markShipped } from './operations/mark-shipped';
import { createOrderNotifier } from './saga/order-notifier';
import { createSagaRunner, type SagaHooks } from './saga/saga-runner';
import { createSagaSteps } from './saga/saga-steps';
import { createPaymentTokens } from './saga/payment-tokens';

/** A saga charges within seconds of PlaceOrder; a token is never held longer than this. */
const PAYMENT_TOKEN_TTL_MS = 30 * 60_000;
/** MAX_PAYMENT_TOKENS bounds the tokens held at once (a few hundred bytes each). */
const MAX_PAYMENT_TOKENS = 100_000;

/** SHIPMENT_SHIPPED is the event type that marks an order SHIPPED. */
const SHIPMENT_SHIPPED = 'shop.events.v1.ShipmentShipped';

/** OrdersServiceOptions adjust the composition root; only tests pass any. */
export interface OrdersServiceOptions {
  /** hooks stop sagas at chosen checkpoints, to test recovery after a crash. */
  hooks?: SagaHooks;
  /** database hands tests the service's own database, to check what it holds. */
  database?: (db: Database) => void;
}

/**
 * createOrdersService is the composition root of the orders service: the
 * OrderService handlers, the checkout saga runner with its recovery loop,
 * the clients of catalog, inventory and payments, the event relay and feed
 * (OrderPlaced, OrderConfirmed, OrderFailed, OrderCancelled, OrderShipped)
 * and the consumer of shipping's ShipmentShipped.
 */
export function createOrdersService(options: OrdersServiceOptions = {}): ServiceSpec<typeof ordersEnv> {
  return {
    name: 'orders',
    env: ordersEnv,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    internalCallers: { ...EVENT_FEED_CALLERS },
    async build({ config, log, db, clients, metrics }) {
      options.database?.(db);
      const callTimeout = { defaultTimeoutMs: config.SAGA_CALL_TIMEOUT };
      const catalog = clients.createClient(CatalogServiceDefinition, config.CATALOG_ADDRESS);
      const inventory = clients.createClient(InventoryServiceDefinition, config.INVENTORY_ADDRESS, callTimeout);
      const payments = clients.createClient(PaymentServiceDefinition, config.PAYMENTS_ADDRESS, callTimeout);
      const notifier = createOrderNotifier();
      const closing = new AbortController();
      // Payment tokens live in this process's memory only, for the charge step (see saga/payment-tokens.ts).
      const paymentTokens = createPaymentTokens({ ttlMs: PAYMENT_TOKEN_TTL_MS, maxEntries: MAX_PAYMENT_TOKENS });
      const runner = createSagaRunner({
        tokens: paymentTokens,
        db,
        log,
        notifier,
        steps: createSagaSteps({ inventory, payments, reservationTtlMs: config.RESERVATION_TTL, callTimeoutMs: config.SAGA_CALL_TIMEOUT }),
        owner: `orders-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
        leaseMs: config.SAGA_LEASE,
        stepTimeoutMs: config.SAGA_STEP_TIMEOUT,
        maxAttempts: config.SAGA_STEP_ATTEMPTS,
        backoffMs: config.SAGA_RETRY_BACKOFF,
        maxBackoffMs: config.SAGA_RETRY_MAX_BACKOFF,
        recoveryIntervalMs: config.SAGA_RECOVERY_INTERVAL,
        recoveryBatch: config.SAGA_RECOVERY_BATCH,
        hooks: options.hooks,
      });
      const handlers = createOrderHandlers({
        db,
        catalog,
        runner,
        notifier,
        paymentTokens,
        pageTokens: createPageTokenCodec(config.PAGE_TOKEN_SECRET ?? (await installationSecret(db, 'page-token'))),
        waitMs: config.PLACE_ORDER_WAIT,
        watchPollMs: config.WATCH_POLL_INTERVAL,
        closing: closing.signal,
      });
      const events = createEvents({
        service: 'orders',
        db,
        log,
        amqpUrl: config.AMQP_URL,
        clients,
        metrics,
        exchange: config.EVENTS_EXCHANGE,
        queue: config.EVENTS_QUEUE,
      });
      const consumer = events.consume({
        sources: { shipping: config.SHIPPING_ADDRESS },
        handlers: {
          [SHIPMENT_SHIPPED]: async (event, tx) => {
            if (event.payload?.$case === 'shipmentShipped') await markShipped(tx, event.payload.value, log);
          },
        },
      });
      runner.start();
      events.relay.start();
      consumer.start();
      return {
        services: [register(OrderServiceDefinition, handlers), events.feed],
        // The saga stops first: its last transactions may still append events for the relay.
        stop: [() => runner.stop(), () => consumer.stop(), () => events.relay.stop()],
        // Open watches would otherwise run to their deadline and hold the shutdown for the whole grace period.
        drain: [() => closing.abort()],
      };
    },
  };
}

/** ordersService is the orders service as `npm start` runs it. */
export const ordersService = createOrdersService();
