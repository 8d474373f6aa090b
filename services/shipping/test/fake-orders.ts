import pino from 'pino';
import {
  appendEvents,
  createEvents,
  createMeshClients,
  createMetrics,
  createPgliteDatabase,
  createServer,
  EVENT_FEED_CALLERS,
  migrate,
  type Database,
} from '@shop/kit';
import type { TestAuth } from '@shop/kit/testing';
import type { OrderCancelled, OrderConfirmed } from '@shop/sdk/ts/shop/events/v1/order_events';

/** FakeOrders stands in for the orders service: it appends order events to its outbox and serves them as orders does. */
export interface FakeOrders {
  /** address is where its EventFeedService answers. */
  address: string;
  confirm(...orders: OrderConfirmed[]): Promise<void>;
  cancel(...orders: Array<Pick<OrderCancelled, 'orderId' | 'userId'> & Partial<OrderCancelled>>): Promise<void>;
  /** append writes several events in one transaction, in order. */
  append(events: Parameters<typeof appendEvents>[2]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * startFakeOrders runs a tiny "orders" producer: a PGlite database with the
 * kit's outbox, the kit's relay (to the embedded feed, or to RabbitMQ with
 * amqp) and a gRPC server with the EventFeedService, so the shipping
 * service can be tested without the real orders service.
 */
export async function startFakeOrders(auth: TestAuth, amqp?: { url: string; exchange: string }): Promise<FakeOrders> {
  const log = pino({ level: 'silent' });
  const db: Database = await createPgliteDatabase({});
  await migrate(db, []);
  const identity = await auth.identity('orders');
  const clients = createMeshClients({ serviceToken: (audience) => identity.token(audience) });
  const events = createEvents({
    service: 'orders',
    db,
    log,
    clients,
    metrics: createMetrics({ service: 'orders', defaultMetrics: false }),
    amqpUrl: amqp?.url,
    exchange: amqp?.exchange,
    pollIntervalMs: 20,
  });
  const server = createServer({ log, service: 'orders', auth: auth.authenticators, internalCallers: { ...EVENT_FEED_CALLERS } });
  server.addService(events.feed.definition, events.feed.implementation as never);
  const port = await server.listen('127.0.0.1', 0);
  events.relay.start();

  const append: FakeOrders['append'] = (list) => db.transaction((tx) => appendEvents(tx, 'orders', list));
  return {
    address: `127.0.0.1:${port}`,
    append,
    confirm: (...orders) => append(orders.map((value) => ({ subject: value.orderId, payload: { $case: 'orderConfirmed', value } }))),
    cancel: (...orders) =>
      append(
        orders.map((o) => ({
          subject: o.orderId,
          payload: { $case: 'orderCancelled', value: { reason: 'changed my mind', cancelledByUserId: o.userId, ...o } },
        })),
      ),
    async stop() {
      await events.relay.stop();
      await server.shutdown({ graceMs: 0 });
      clients.close();
      await db.close();
    },
  };
}
