import { randomBytes, randomUUID } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { backends, createTestAuth, startTestService, type Backend, type TestAuth, type TestService } from '@shop/kit/testing';
import { createPromiseClient, type PromiseClient } from '@shop/sdk/lib/promise-client';
import { CatalogServiceDefinition } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import { catalogService } from '../src/service';

type Metadata = { metadata: Record<string, string> };

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

describe.each(backends())('the catalog event feed on %s', (backend: Backend) => {
  let auth: TestAuth;
  let svc: TestService;
  let catalog: PromiseClient<typeof CatalogServiceDefinition>;
  let feed: PromiseClient<typeof EventFeedServiceDefinition>;
  let admin: Metadata;
  let orders: Metadata;

  beforeAll(async () => {
    auth = await createTestAuth();
    svc = await startTestService(catalogService, { auth, backend });
    catalog = createPromiseClient(CatalogServiceDefinition, svc.address, credentials.createInsecure(), { defaultDeadlineMs: 5000 });
    feed = createPromiseClient(EventFeedServiceDefinition, svc.address, credentials.createInsecure(), { defaultDeadlineMs: 5000 });
    admin = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'admin-1', roles: ['admin'] })}` } };
    orders = { metadata: { 'x-shop-service-token': await (await auth.identity('orders')).token('catalog') } };
  });

  afterAll(async () => {
    await svc?.stop();
    auth?.cleanup();
  });

  it('publishes ProductCreated, ProductUpdated (with the mask) and ProductDeleted in order, once per change', async () => {
    const sku = `EV${randomBytes(3).toString('hex').toUpperCase()}-1`;
    const input = {
      sku,
      name: 'Stoneware Mug',
      description: 'A 350 ml mug.',
      price: { currencyCode: 'EUR', amountMinor: 1299n },
      category: 'kitchen',
      imageUrl: 'https://images.shop.example/mug.jpg',
    };
    const requestId = randomUUID();
    const created = (await catalog.createProduct({ product: input, requestId }, admin)).product!;
    await catalog.createProduct({ product: input, requestId }, admin); // replay: no second ProductCreated
    await catalog.updateProduct({ product: { id: created.id, name: 'Big Mug', price: { currencyCode: 'EUR', amountMinor: 1500n } }, updateMask: ['name', 'price'] }, admin);
    await catalog.deleteProduct({ productId: created.id }, admin);

    const mine = await eventually(async () => {
      const { events } = await feed.pullEvents({ afterPosition: 0n, maxEvents: 1000 }, orders);
      const list = events.map((e) => e.envelope!).filter((e) => e.subject === created.id);
      expect(list).toHaveLength(3);
      return list;
    });
    expect(mine.map((e) => [e.type, e.source])).toEqual([
      ['shop.events.v1.ProductCreated', 'catalog'],
      ['shop.events.v1.ProductUpdated', 'catalog'],
      ['shop.events.v1.ProductDeleted', 'catalog'],
    ]);
    expect(mine.map((e) => e.payload)).toEqual([
      { $case: 'productCreated', value: { product: { productId: created.id, ...input, version: 1n } } },
      {
        $case: 'productUpdated',
        value: {
          product: { productId: created.id, ...input, name: 'Big Mug', price: { currencyCode: 'EUR', amountMinor: 1500n }, version: 2n },
          updateMask: ['name', 'price'],
        },
      },
      { $case: 'productDeleted', value: { productId: created.id, sku } },
    ]);
  });
});
