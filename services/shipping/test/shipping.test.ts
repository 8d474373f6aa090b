import { randomBytes } from 'node:crypto';
import { credentials, status as Code } from '@grpc/grpc-js';
import { connect, type ChannelModel } from 'amqplib';
import { backends, createTestAuth, startTestService, type Backend, type TestAuth, type TestService } from '@shop/kit/testing';
import { ShopError } from '@shop/sdk/lib/errors';
import { createPromiseClient } from '@shop/sdk/lib/promise-client';
import type { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import type { OrderConfirmed } from '@shop/sdk/ts/shop/events/v1/order_events';
import { ShipmentState } from '@shop/sdk/ts/shop/shipping/v1/shipment';
import { ShippingServiceDefinition } from '@shop/sdk/ts/shop/shipping/v1/shipping_service';
import { shippingService } from '../src/service';
import { startFakeOrders, type FakeOrders } from './fake-orders';

type Shipping = ReturnType<typeof createPromiseClient<typeof ShippingServiceDefinition>>;
type Feed = ReturnType<typeof createPromiseClient<typeof EventFeedServiceDefinition>>;
type Metadata = { metadata: Record<string, string> };

const AMQP_URL = process.env.TEST_AMQP_URL || undefined;
if (!AMQP_URL) console.warn('TEST_AMQP_URL is not set: skipping the RabbitMQ runs of the shipping suite');
const TRANSPORTS = AMQP_URL ? (['embedded feed', 'RabbitMQ'] as const) : (['embedded feed'] as const);

/** SHIP_DELAY_MS is the packing time the suite runs with: long enough to cancel a confirmed order before it ships. */
const SHIP_DELAY_MS = 1_000;

const ADDRESS = { recipient: 'Ada Lovelace', lines: ['12 St James Sq'], city: 'London', postalCode: 'SW1Y 4JH', region: '', countryCode: 'GB' };

function freshId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

function line(sku: string, quantity: number) {
  return { productId: `p-${sku}`, sku, name: sku, quantity: BigInt(quantity), unitPrice: undefined, lineTotal: undefined };
}

function confirmed(orderId: string, userId = 'ada', items = [line('MUG-1', 2), line('TEE-2', 1), line('MUG-1', 1)]): OrderConfirmed {
  return { orderId, userId, items, total: { currencyCode: 'EUR', amountMinor: 4200n }, shippingAddress: ADDRESS, paymentId: `pay-${orderId}` };
}

/** failure awaits a call that must fail and returns its ShopError. */
async function failure(call: Promise<unknown>): Promise<ShopError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ShopError)) throw new Error(`expected the call to fail with a ShopError, got ${String(err)}`);
  return err;
}

/** eventually retries check until it stops throwing, or throws its last error after timeoutMs. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.each(backends())('the shipping service on %s', (backend: Backend) => {
  describe.each(TRANSPORTS)('with events over the %s', (transport) => {
    let auth: TestAuth;
    let orders: FakeOrders;
    let svc: TestService;
    let shipping: Shipping;
    let feed: Feed;
    let ada: Metadata;
    let grace: Metadata;
    let admin: Metadata;
    let asOrders: Metadata;
    let broker: { connection: ChannelModel; exchange: string; queue: string } | undefined;

    beforeAll(async () => {
      auth = await createTestAuth();
      let amqpEnv: Record<string, string> = {};
      if (transport === 'RabbitMQ') {
        const run = randomBytes(4).toString('hex');
        broker = { connection: await connect(AMQP_URL!), exchange: `shop.events.test-${run}`, queue: `shop.shipping.test-${run}` };
        amqpEnv = { AMQP_URL: AMQP_URL!, EVENTS_EXCHANGE: broker.exchange, EVENTS_QUEUE: broker.queue };
      }
      orders = await startFakeOrders(auth, broker && { url: AMQP_URL!, exchange: broker.exchange });
      svc = await startTestService(shippingService, {
        auth,
        backend,
        env: {
          ORDERS_ADDRESS: orders.address,
          SHIP_DELAY: `${SHIP_DELAY_MS}ms`,
          // A minute: shipments must ship because the shipper wakes when one is created and sleeps until it is due, not by polling.
          SHIP_POLL_INTERVAL: '60s',
          EVENTS_POLL_INTERVAL: '20ms',
          ...amqpEnv,
        },
      });
      if (broker !== undefined) await queueReady(broker);
      shipping = createPromiseClient(ShippingServiceDefinition, svc.address, credentials.createInsecure(), { defaultDeadlineMs: 5_000 });
      feed = createPromiseClient(EventFeedServiceDefinition, svc.address, credentials.createInsecure(), { defaultDeadlineMs: 5_000 });
      ada = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'ada' })}` } };
      grace = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'grace' })}` } };
      admin = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'root', roles: ['admin'] })}` } };
      asOrders = { metadata: { 'x-shop-service-token': await (await auth.identity('orders')).token('shipping') } };
    });

    afterAll(async () => {
      shipping?.close();
      feed?.close();
      await svc?.stop();
      await orders?.stop();
      if (broker !== undefined) {
        const ch = await broker.connection.createChannel();
        for (const queue of [broker.queue, `${broker.queue}.retry`, `${broker.queue}.dlq`]) await ch.deleteQueue(queue);
        await ch.deleteExchange(broker.exchange);
        await broker.connection.close();
      }
      auth?.cleanup();
    });

    /** queueReady waits until shipping has declared its queue and consumes it, so no event is routed nowhere. */
    async function queueReady({ connection, queue }: { connection: ChannelModel; queue: string }): Promise<void> {
      await eventually(async () => {
        const ch = await connection.createChannel();
        ch.on('error', () => undefined);
        try {
          expect((await ch.checkQueue(queue)).consumerCount).toBe(1);
        } finally {
          await ch.close().catch(() => undefined);
        }
      });
    }

    /** shippingEvents reads shipping's whole feed: what it has published. */
    async function shippingEvents(): Promise<EventEnvelope[]> {
      const all: EventEnvelope[] = [];
      let after = 0n;
      for (;;) {
        const { events } = await feed.pullEvents({ afterPosition: after, maxEvents: 500 }, asOrders);
        all.push(...events.map((e) => e.envelope!));
        if (events.length < 500) return all;
        after = events[events.length - 1]!.position;
      }
    }

    async function eventsAbout(orderId: string): Promise<EventEnvelope[]> {
      return (await shippingEvents()).filter(
        (e) =>
          (e.payload?.$case === 'shipmentCreated' && e.payload.value.orderId === orderId) ||
          (e.payload?.$case === 'shipmentShipped' && e.payload.value.orderId === orderId),
      );
    }

    async function shipmentOf(orderId: string, who: Metadata = admin) {
      return (await shipping.getShipment({ orderId }, who)).shipment!;
    }

    it('creates a pending shipment from OrderConfirmed, ships it after the delay and publishes ShipmentCreated then ShipmentShipped', async () => {
      const orderId = freshId('order');
      await orders.confirm(confirmed(orderId));

      const pending = await eventually(() => shipmentOf(orderId, ada));
      expect(pending).toMatchObject({
        orderId,
        userId: 'ada',
        state: ShipmentState.SHIPMENT_STATE_PENDING,
        carrier: 'shopmesh-post',
        trackingNumber: '',
        address: ADDRESS,
        items: [
          { sku: 'MUG-1', quantity: 3n },
          { sku: 'TEE-2', quantity: 1n },
        ],
        shipTime: undefined,
      });
      expect(pending.id).toMatch(/^[0-9a-f-]{36}$/);

      const shipped = await eventually(async () => {
        const s = await shipmentOf(orderId, ada);
        expect(s.state).toBe(ShipmentState.SHIPMENT_STATE_SHIPPED);
        return s;
      });
      expect(shipped.id).toBe(pending.id);
      expect(shipped.trackingNumber).toMatch(/^SMP[0-9A-Z]{12}$/);
      expect(shipped.shipTime!.getTime() - shipped.createTime!.getTime()).toBeGreaterThanOrEqual(SHIP_DELAY_MS - 50);

      const published = await eventually(async () => {
        const events = await eventsAbout(orderId);
        expect(events).toHaveLength(2);
        return events;
      });
      expect(published.map((e) => [e.type, e.source, e.subject])).toEqual([
        ['shop.events.v1.ShipmentCreated', 'shipping', pending.id],
        ['shop.events.v1.ShipmentShipped', 'shipping', pending.id],
      ]);
      expect(published[0]!.payload).toEqual({
        $case: 'shipmentCreated',
        value: {
          shipmentId: pending.id,
          orderId,
          userId: 'ada',
          address: ADDRESS,
          items: [
            { sku: 'MUG-1', quantity: 3n },
            { sku: 'TEE-2', quantity: 1n },
          ],
        },
      });
      expect(published[1]!.payload).toEqual({
        $case: 'shipmentShipped',
        value: { shipmentId: pending.id, orderId, userId: 'ada', carrier: 'shopmesh-post', trackingNumber: shipped.trackingNumber },
      });
    });

    it('creates one shipment when OrderConfirmed arrives twice', async () => {
      const orderId = freshId('order');
      const marker = freshId('marker');
      await orders.confirm(confirmed(orderId));
      await orders.confirm(confirmed(orderId));
      // Events are applied in order, so once the marker's shipment exists both copies have been handled.
      await orders.confirm(confirmed(marker));
      await eventually(() => shipmentOf(marker));
      await eventually(async () => expect((await shipmentOf(orderId)).state).toBe(ShipmentState.SHIPMENT_STATE_SHIPPED));

      // The relay publishes what the shipper appended a moment after it commits.
      await eventually(async () =>
        expect((await eventsAbout(orderId)).map((e) => e.type)).toEqual(['shop.events.v1.ShipmentCreated', 'shop.events.v1.ShipmentShipped']),
      );
      await sleep(100);
      expect((await eventsAbout(orderId)).map((e) => e.type)).toEqual(['shop.events.v1.ShipmentCreated', 'shop.events.v1.ShipmentShipped']);
    });

    it('cancels a pending shipment when OrderCancelled comes before it ships, and it never ships', async () => {
      const orderId = freshId('order');
      await orders.append([
        { subject: orderId, payload: { $case: 'orderConfirmed', value: confirmed(orderId) } },
        { subject: orderId, payload: { $case: 'orderCancelled', value: { orderId, userId: 'ada', reason: 'changed my mind', cancelledByUserId: 'ada' } } },
      ]);
      await eventually(async () => expect((await shipmentOf(orderId, ada)).state).toBe(ShipmentState.SHIPMENT_STATE_CANCELLED));

      await sleep(SHIP_DELAY_MS + 300);
      const after = await shipmentOf(orderId, ada);
      expect(after.state).toBe(ShipmentState.SHIPMENT_STATE_CANCELLED);
      expect(after.shipTime).toBeUndefined();
      expect((await eventsAbout(orderId)).map((e) => e.type)).toEqual(['shop.events.v1.ShipmentCreated']);
    });

    it('leaves a shipped shipment shipped when its order is cancelled afterwards', async () => {
      const orderId = freshId('order');
      await orders.confirm(confirmed(orderId));
      await eventually(async () => expect((await shipmentOf(orderId)).state).toBe(ShipmentState.SHIPMENT_STATE_SHIPPED));
      const marker = freshId('marker');
      await orders.cancel({ orderId, userId: 'ada' });
      await orders.confirm(confirmed(marker));
      await eventually(() => shipmentOf(marker));

      expect((await shipmentOf(orderId)).state).toBe(ShipmentState.SHIPMENT_STATE_SHIPPED);
    });

    it('creates no shipment for an order whose OrderCancelled arrived before its OrderConfirmed', async () => {
      const orderId = freshId('order');
      const marker = freshId('marker');
      await orders.cancel({ orderId, userId: 'ada' });
      await orders.confirm(confirmed(orderId), confirmed(marker));
      await eventually(() => shipmentOf(marker));

      expect((await failure(shipmentOf(orderId))).code).toBe(Code.NOT_FOUND);
      expect(await eventsAbout(orderId)).toEqual([]);
    });

    it('shows a shipment to its owner and to admins, and answers NOT_FOUND to anyone else and for orders without one', async () => {
      const orderId = freshId('order');
      await orders.confirm(confirmed(orderId, 'ada'));
      const mine = await eventually(() => shipmentOf(orderId, ada));
      expect(mine.userId).toBe('ada');
      expect((await shipmentOf(orderId, admin)).id).toBe(mine.id);

      const hidden = await failure(shipping.getShipment({ orderId }, grace));
      expect(hidden.code).toBe(Code.NOT_FOUND);
      const missing = await failure(shipping.getShipment({ orderId: freshId('never-confirmed') }, ada));
      expect(missing.code).toBe(Code.NOT_FOUND);
      // Same answer whether the shipment exists or not, so its existence does not leak.
      expect(hidden.details.replace(orderId, 'X')).toBe(missing.details.replace(/"never-confirmed-[0-9a-f]+"/, '"X"'));

      expect((await failure(shipping.getShipment({ orderId }))).code).toBe(Code.UNAUTHENTICATED);
      const bad = await failure(shipping.getShipment({ orderId: '' }, ada));
      expect(bad.code).toBe(Code.INVALID_ARGUMENT);
      expect(bad.errorDetails.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['order_id']);
    });
  });
});
