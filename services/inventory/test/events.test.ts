import { randomBytes } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { backends, createTestAuth, startTestService, type Backend, type TestAuth, type TestService } from '@shop/kit/testing';
import { createPromiseClient, type PromiseClient } from '@shop/sdk/lib/promise-client';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import { StockReleaseReason } from '@shop/sdk/ts/shop/events/v1/inventory_events';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { inventoryService } from '../src/service';

type Metadata = { metadata: Record<string, string> };

function freshSku(): string {
  return `EV-${randomBytes(4).toString('hex').toUpperCase()}`;
}

function freshId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** eventually retries check until it stops throwing or timeoutMs passes. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await sleep(50);
    }
  }
}

describe.each(backends())('the inventory event feed on %s', (backend: Backend) => {
  let auth: TestAuth;
  let svc: TestService;
  let inventory: PromiseClient<typeof InventoryServiceDefinition>;
  let feed: PromiseClient<typeof EventFeedServiceDefinition>;
  let admin: Metadata;
  let orders: Metadata;

  beforeAll(async () => {
    auth = await createTestAuth();
    svc = await startTestService(inventoryService, { auth, backend, env: { LOW_STOCK_THRESHOLD: '2', RESERVATION_SWEEP_INTERVAL: '100ms' } });
    inventory = createPromiseClient(InventoryServiceDefinition, svc.address, credentials.createInsecure(), { defaultDeadlineMs: 5000 });
    feed = createPromiseClient(EventFeedServiceDefinition, svc.address, credentials.createInsecure(), { defaultDeadlineMs: 5000 });
    admin = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'admin-1', roles: ['admin'] })}` } };
    orders = { metadata: { 'x-shop-service-token': await (await auth.identity('orders')).token('inventory') } };
  });

  afterAll(async () => {
    await svc?.stop();
    auth?.cleanup();
  });

  it('publishes StockReserved, StockCommitted, StockReleased and StockLow in commit order, once per change', async () => {
    const sku = freshSku();
    await inventory.setStock({ sku, onHand: 10n }, admin);
    const committed = freshId('res');
    const released = freshId('res');
    const reserveCommitted = { reservationId: committed, orderId: 'order-1', items: [{ sku, quantity: 3n }] };
    await inventory.reserveStock(reserveCommitted, orders);
    await inventory.reserveStock(reserveCommitted, orders); // replay: no second StockReserved
    await inventory.commitReservation({ reservationId: committed }, orders);
    await inventory.commitReservation({ reservationId: committed }, orders); // replay
    await inventory.reserveStock({ reservationId: released, orderId: 'order-2', items: [{ sku, quantity: 5n }] }, orders); // 7 -> 2: low
    await inventory.releaseReservation({ reservationId: released, reason: 'payment declined' }, orders);
    await inventory.releaseReservation({ reservationId: released, reason: 'payment declined' }, orders); // replay

    const mine = await eventually(async () => {
      const { events } = await feed.pullEvents({ afterPosition: 0n, maxEvents: 1000 }, orders);
      const list = events.map((e) => e.envelope!).filter((e) => e.subject === committed || e.subject === released || e.subject === sku);
      expect(list).toHaveLength(5);
      return list;
    });
    expect(mine.map((e) => [e.type, e.subject, e.source])).toEqual([
      ['shop.events.v1.StockReserved', committed, 'inventory'],
      ['shop.events.v1.StockCommitted', committed, 'inventory'],
      ['shop.events.v1.StockReserved', released, 'inventory'],
      ['shop.events.v1.StockLow', sku, 'inventory'],
      ['shop.events.v1.StockReleased', released, 'inventory'],
    ]);
    expect(mine.map((e) => e.payload)).toEqual([
      { $case: 'stockReserved', value: expect.objectContaining({ reservationId: committed, orderId: 'order-1', items: [{ sku, quantity: 3n }] }) },
      { $case: 'stockCommitted', value: { reservationId: committed, orderId: 'order-1', items: [{ sku, quantity: 3n }] } },
      { $case: 'stockReserved', value: expect.objectContaining({ reservationId: released, orderId: 'order-2', items: [{ sku, quantity: 5n }] }) },
      { $case: 'stockLow', value: { sku, available: 2n, threshold: 2n } },
      {
        $case: 'stockReleased',
        value: { reservationId: released, orderId: 'order-2', items: [{ sku, quantity: 5n }], reason: StockReleaseReason.STOCK_RELEASE_REASON_REQUESTED },
      },
    ]);
    expect(mine[0]!.payload).toMatchObject({ value: { expireTime: expect.any(Date) } });
  });

  it('publishes StockReleased with reason EXPIRED when a reservation expires', async () => {
    const sku = freshSku();
    await inventory.setStock({ sku, onHand: 100n }, admin);
    const reservationId = freshId('res');
    await inventory.reserveStock({ reservationId, orderId: 'order-3', items: [{ sku, quantity: 1n }], ttl: { seconds: 1n, nanos: 0 } }, orders);
    await eventually(async () => {
      const { events } = await feed.pullEvents({ afterPosition: 0n, maxEvents: 1000 }, orders);
      const list = events.map((e) => e.envelope!).filter((e) => e.subject === reservationId);
      expect(list.map((e) => e.payload)).toEqual([
        expect.objectContaining({ $case: 'stockReserved' }),
        {
          $case: 'stockReleased',
          value: { reservationId, orderId: 'order-3', items: [{ sku, quantity: 1n }], reason: StockReleaseReason.STOCK_RELEASE_REASON_EXPIRED },
        },
      ]);
    }, 10_000);
  }, 20_000);
});
