import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials, status as Code } from '@grpc/grpc-js';
import { backends, createTestAuth, dropSchema, startTestService, type Backend, type TestAuth, type TestService } from '@shop/kit/testing';
import { ShopError } from '@shop/sdk/lib/errors';
import { createPromiseClient, type DeepPartial } from '@shop/sdk/lib/promise-client';
import { CatalogServiceDefinition, type ListProductsRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import type { Product } from '@shop/sdk/ts/shop/catalog/v1/product';
import { catalogService } from '../src/service';

type CatalogClient = ReturnType<typeof connect>;

const DEMO_DATA = path.join(__dirname, '..', '..', '..', 'demo', 'shop.json');
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

function connect(address: string) {
  return createPromiseClient(CatalogServiceDefinition, address, credentials.createInsecure(), { defaultDeadlineMs: 5_000 });
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

const violationFields = (err: ShopError) => err.errorDetails.badRequest?.fieldViolations.map((v) => v.field) ?? [];

// SKUs and categories unique to this run, so tests sharing a service never collide.
const run = randomBytes(3).toString('hex').toUpperCase();
let counter = 0;
const nextSku = () => `T${run}-${++counter}`;
const nextCategory = () => `cat-${run.toLowerCase()}-${++counter}`;

function productInput(overrides: DeepPartial<Product> = {}): DeepPartial<Product> {
  return {
    sku: nextSku(),
    name: 'Stoneware Mug',
    description: 'A 350 ml mug glazed in deep blue.',
    price: { currencyCode: 'EUR', amountMinor: 1299n },
    category: 'kitchen',
    imageUrl: 'https://images.shop.example/mug.jpg',
    ...overrides,
  };
}

/** pageThrough lists every page of a listing and returns the products in the order received. */
async function pageThrough(client: CatalogClient, request: DeepPartial<ListProductsRequest>, beforePage?: () => Promise<unknown>): Promise<Product[]> {
  const out: Product[] = [];
  let pageToken = '';
  let pages = 0;
  do {
    const [page] = await Promise.all([client.listProducts({ ...request, pageToken }), pages > 0 && beforePage ? beforePage() : undefined]);
    out.push(...page.products);
    pageToken = page.nextPageToken;
    pages += 1;
    if (pages > 1000) throw new Error('the listing does not end');
  } while (pageToken !== '');
  return out;
}

/** compareBy is the order a listing must come in: sort key, then id, reversed for "desc". */
function compareBy(orderBy: string): (a: Product, b: Product) => number {
  const [field, direction] = orderBy.split(' ');
  const sign = direction === 'desc' ? -1 : 1;
  const key = (p: Product): string | bigint | number =>
    field === 'name' ? p.name.toLowerCase() : field === 'price' ? BigInt(p.price!.amountMinor) : p.createTime!.getTime();
  const cmp = (x: string | bigint | number, y: string | bigint | number) => (x < y ? -1 : x > y ? 1 : 0);
  return (a, b) => {
    const byKey = cmp(key(a), key(b));
    // create_time has no tiebreak (the hidden creation sequence is unique); equal milliseconds are fine in any order.
    if (field === 'create_time') return sign * byKey;
    return sign * (byKey !== 0 ? byKey : cmp(a.id, b.id));
  };
}

function expectSorted(products: Product[], orderBy: string): void {
  const compare = compareBy(orderBy);
  for (let i = 1; i < products.length; i++) {
    if (compare(products[i - 1]!, products[i]!) > 0) {
      throw new Error(`${orderBy}: ${products[i - 1]!.name}/${products[i - 1]!.id} came before ${products[i]!.name}/${products[i]!.id}`);
    }
  }
}

describe.each(backends())('the catalog service on %s', (backend: Backend) => {
  let auth: TestAuth;
  let svc: TestService;
  let client: CatalogClient;
  let asAdmin: { metadata: Record<string, string> };
  let asOtherAdmin: { metadata: Record<string, string> };
  let asCustomer: { metadata: Record<string, string> };

  beforeAll(async () => {
    auth = await createTestAuth();
    svc = await startTestService(catalogService, { auth, backend });
    client = connect(svc.address);
    asAdmin = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'admin-1', roles: ['admin'] })}` } };
    asOtherAdmin = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'admin-2', roles: ['admin', 'customer'] })}` } };
    asCustomer = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'customer-1', roles: ['customer'] })}` } };
  });
  afterAll(async () => {
    client?.close();
    await svc?.stop();
    auth?.cleanup();
  });

  const create = async (overrides: DeepPartial<Product> = {}) => (await client.createProduct({ product: productInput(overrides) }, asAdmin)).product!;

  describe('product lifecycle', () => {
    it('lets an admin create, read, update and delete a product, with the version going up on each change', async () => {
      const input = productInput();
      const created = (await client.createProduct({ product: { ...input, id: UNKNOWN_ID, version: 9n } }, asAdmin)).product!;
      expect(created).toMatchObject({ ...input, version: 1n });
      expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(created.id).not.toBe(UNKNOWN_ID);
      expect(created.createTime).toBeInstanceOf(Date);
      expect(created.updateTime).toEqual(created.createTime);

      expect((await client.getProduct({ productId: created.id })).product).toEqual(created);

      const updated = (
        await client.updateProduct(
          {
            product: { id: created.id, name: 'Big Mug', description: 'not in the mask', price: { currencyCode: 'USD', amountMinor: 1500n }, version: 1n },
            updateMask: ['name', 'price'],
          },
          asAdmin,
        )
      ).product!;
      expect(updated).toMatchObject({
        id: created.id,
        sku: created.sku,
        name: 'Big Mug',
        description: created.description,
        price: { currencyCode: 'USD', amountMinor: 1500n },
        version: 2n,
        createTime: created.createTime,
      });
      expect(updated.updateTime!.getTime()).toBeGreaterThanOrEqual(created.updateTime!.getTime());

      const stale = await failure(client.updateProduct({ product: { id: created.id, name: 'Stale', version: 1n }, updateMask: ['name'] }, asAdmin));
      expect(stale.code).toBe(Code.ABORTED);
      expect(stale.reason).toBe('VERSION_CONFLICT');
      expect(stale.errorDetails.errorInfo?.metadata).toMatchObject({ product_id: created.id, expected_version: '1', current_version: '2' });
      expect((await client.getProduct({ productId: created.id })).product!.name).toBe('Big Mug');

      const unchecked = (await client.updateProduct({ product: { id: created.id, category: '' }, updateMask: ['category'] }, asAdmin)).product!;
      expect(unchecked).toMatchObject({ category: '', version: 3n, name: 'Big Mug' });

      const staleDelete = await failure(client.deleteProduct({ productId: created.id, version: 2n }, asAdmin));
      expect(staleDelete.code).toBe(Code.ABORTED);
      expect(staleDelete.reason).toBe('VERSION_CONFLICT');

      await client.deleteProduct({ productId: created.id, version: 3n }, asAdmin);
      const gone = await failure(client.getProduct({ productId: created.id }));
      expect(gone.code).toBe(Code.NOT_FOUND);
      expect(gone.errorDetails.resourceInfo).toMatchObject({ resourceType: 'shop.catalog.v1.Product', resourceName: created.id });
      expect((await failure(client.deleteProduct({ productId: created.id }, asAdmin))).code).toBe(Code.NOT_FOUND);
      expect((await failure(client.deleteProduct({ productId: created.id, version: 3n }, asAdmin))).code).toBe(Code.NOT_FOUND);
      expect((await failure(client.updateProduct({ product: { id: created.id, name: 'x', version: 3n }, updateMask: ['name'] }, asAdmin))).code).toBe(
        Code.NOT_FOUND,
      );
    });

    it('finds a product by its id in upper case too', async () => {
      const created = await create();
      expect((await client.getProduct({ productId: created.id.toUpperCase() })).product!.id).toBe(created.id);
    });

    it('answers NOT_FOUND for an unknown id and INVALID_ARGUMENT for one that is not a UUID', async () => {
      expect((await failure(client.getProduct({ productId: UNKNOWN_ID }))).code).toBe(Code.NOT_FOUND);
      const bad = await failure(client.getProduct({ productId: 'mug-001' }));
      expect(bad.code).toBe(Code.INVALID_ARGUMENT);
      expect(violationFields(bad)).toEqual(['product_id']);
      expect(violationFields(await failure(client.deleteProduct({ productId: '' }, asAdmin)))).toEqual(['product_id']);
      expect(violationFields(await failure(client.updateProduct({ product: { id: '42', name: 'x' }, updateMask: ['name'] }, asAdmin)))).toEqual([
        'product.id',
      ]);
    });

    it('lets exactly one of two concurrent updates based on the same version win', async () => {
      for (let round = 0; round < 5; round++) {
        const product = await create();
        const outcomes = await Promise.allSettled(
          ['Left', 'Right'].map((name) => client.updateProduct({ product: { id: product.id, name, version: 1n }, updateMask: ['name'] }, asAdmin)),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as ShopError] : []));
        expect(won).toHaveLength(1);
        expect(lost.map((e) => [e.code, e.reason])).toEqual([[Code.ABORTED, 'VERSION_CONFLICT']]);
        const after = (await client.getProduct({ productId: product.id })).product!;
        expect(after.version).toBe(2n);
        expect(after.name).toBe((won[0] as PromiseFulfilledResult<{ product?: Product }>).value.product!.name);
      }
    });

    it('never loses an update when many run at once without a version', async () => {
      const product = await create();
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => client.updateProduct({ product: { id: product.id, description: `edit ${i}` }, updateMask: ['description'] }, asAdmin)),
      );
      expect((await client.getProduct({ productId: product.id })).product!.version).toBe(9n);
    });
  });

  describe('access', () => {
    it('refuses product writes from a customer with PERMISSION_DENIED and from a caller without a token with UNAUTHENTICATED', async () => {
      const product = await create();
      const writes = (options?: { metadata: Record<string, string> }) => [
        client.createProduct({ product: productInput() }, options),
        client.updateProduct({ product: { id: product.id, name: 'Hacked' }, updateMask: ['name'] }, options),
        client.deleteProduct({ productId: product.id }, options),
      ];
      for (const err of await Promise.all(writes(asCustomer).map(failure))) expect(err.code).toBe(Code.PERMISSION_DENIED);
      for (const err of await Promise.all(writes().map(failure))) expect(err.code).toBe(Code.UNAUTHENTICATED);
      expect((await client.getProduct({ productId: product.id })).product).toEqual(product);
    });

    it('serves reads to anyone, with or without a token', async () => {
      const product = await create();
      expect((await client.getProduct({ productId: product.id })).product!.id).toBe(product.id);
      expect((await client.batchGetProducts({ productIds: [product.id] }, asCustomer)).products).toHaveLength(1);
      expect((await client.listProducts({ category: product.category, pageSize: 1 })).products).toHaveLength(1);
    });
  });

  describe('validation', () => {
    it('names every invalid field of a new product', async () => {
      const err = await failure(
        client.createProduct(
          {
            product: {
              sku: 'mug 1',
              name: '',
              description: 'x'.repeat(5001),
              price: { currencyCode: 'euro', amountMinor: 0n },
              category: 'Kitchen',
              imageUrl: 'http://images.shop.example/mug.jpg',
            },
          },
          asAdmin,
        ),
      );
      expect(err.code).toBe(Code.INVALID_ARGUMENT);
      expect(err.reason).toBe('VALIDATION_FAILED');
      expect(violationFields(err)).toEqual([
        'product.sku',
        'product.description',
        'product.price',
        'product.price.currency_code',
        'product.category',
        'product.image_url',
        'product.name',
      ]);
    });

    it('requires a product and its price', async () => {
      expect(violationFields(await failure(client.createProduct({}, asAdmin)))).toEqual(['product']);
      expect(violationFields(await failure(client.createProduct({ product: productInput({ price: undefined }) }, asAdmin)))).toEqual(['product.price']);
      expect(violationFields(await failure(client.createProduct({ product: productInput({ price: { currencyCode: 'EUR', amountMinor: -100n } }) }, asAdmin)))).toEqual(['product.price']);
    });

    it('refuses update masks that are empty, name an immutable field or an unknown one, and keeps the product as it was', async () => {
      const product = await create();
      const update = (updateMask: string[] | undefined) =>
        failure(client.updateProduct({ product: { id: product.id, sku: 'NEW-SKU', name: 'Renamed', version: 1n }, updateMask }, asAdmin));
      const empty = await update([]);
      expect(empty.code).toBe(Code.INVALID_ARGUMENT);
      expect(violationFields(empty)).toEqual(['update_mask']);
      expect(violationFields(await update(undefined))).toEqual(['update_mask']);
      const immutable = await update(['name', 'sku']);
      expect(immutable.errorDetails.badRequest?.fieldViolations).toEqual([
        expect.objectContaining({ field: 'update_mask.paths[1]', description: expect.stringContaining('"sku"') }),
      ]);
      for (const path of ['version', 'id', 'create_time', 'update_time', 'stock', 'price.amount_minor']) {
        const err = await update([path]);
        expect(err.code).toBe(Code.INVALID_ARGUMENT);
        expect(err.errorDetails.badRequest?.fieldViolations[0]?.description).toContain(`"${path}"`);
      }
      expect((await client.getProduct({ productId: product.id })).product).toEqual(product);
    });

    it('validates the new values of masked fields with the rules of CreateProduct', async () => {
      const product = await create();
      const err = await failure(
        client.updateProduct({ product: { id: product.id, imageUrl: 'ftp://x.example/a.png', price: { currencyCode: 'EUR', amountMinor: 0n } }, updateMask: ['image_url', 'price'] }, asAdmin),
      );
      expect(violationFields(err)).toEqual(['product.price', 'product.image_url']);
    });
  });

  describe('idempotent creation', () => {
    it('returns the first product for a retry with the same request_id and body', async () => {
      const product = productInput({ category: nextCategory() });
      const requestId = randomUUID();
      const first = (await client.createProduct({ product, requestId }, asAdmin)).product!;
      const retry = (await client.createProduct({ product, requestId }, asAdmin)).product!;
      expect(retry).toEqual(first);
      expect((await client.listProducts({ category: product.category })).products.map((p) => p.id)).toEqual([first.id]);
    });

    it('creates one product for concurrent retries with the same request_id', async () => {
      const product = productInput({ category: nextCategory() });
      const requestId = randomUUID();
      const results = await Promise.all(Array.from({ length: 4 }, () => client.createProduct({ product, requestId }, asAdmin)));
      expect(new Set(results.map((r) => r.product!.id)).size).toBe(1);
      expect((await client.listProducts({ category: product.category })).products).toHaveLength(1);
    });

    it('refuses a request_id reused with another body with ALREADY_EXISTS IDEMPOTENCY_KEY_REUSED', async () => {
      const requestId = randomUUID();
      await client.createProduct({ product: productInput(), requestId }, asAdmin);
      const err = await failure(client.createProduct({ product: productInput(), requestId }, asAdmin));
      expect(err.code).toBe(Code.ALREADY_EXISTS);
      expect(err.reason).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('keeps request_ids of different admins apart', async () => {
      const requestId = randomUUID();
      const mine = (await client.createProduct({ product: productInput(), requestId }, asAdmin)).product!;
      const theirs = (await client.createProduct({ product: productInput(), requestId }, asOtherAdmin)).product!;
      expect(theirs.id).not.toBe(mine.id);
    });

    it('leaves the request_id free when the create fails, so a corrected retry goes through', async () => {
      const taken = await create();
      const requestId = randomUUID();
      const product = productInput({ sku: taken.sku });
      expect((await failure(client.createProduct({ product, requestId }, asAdmin))).code).toBe(Code.ALREADY_EXISTS);
      expect((await failure(client.createProduct({ product, requestId }, asAdmin))).reason).toBe('ALREADY_EXISTS');
    });
  });

  describe('SKUs', () => {
    it('refuses a SKU another product holds with ALREADY_EXISTS and ResourceInfo', async () => {
      const first = await create();
      const err = await failure(client.createProduct({ product: productInput({ sku: first.sku, name: 'Another' }) }, asAdmin));
      expect(err.code).toBe(Code.ALREADY_EXISTS);
      expect(err.reason).toBe('ALREADY_EXISTS');
      expect(err.errorDetails.resourceInfo).toMatchObject({ resourceType: 'shop.catalog.v1.Product', resourceName: `sku/${first.sku}` });
    });

    it('lets exactly one of two concurrent creates with the same SKU win', async () => {
      const sku = nextSku();
      const outcomes = await Promise.allSettled([1, 2].map(() => client.createProduct({ product: productInput({ sku }) }, asAdmin)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect((rejected?.reason as ShopError).code).toBe(Code.ALREADY_EXISTS);
    });
  });

  describe('BatchGetProducts', () => {
    it('returns the products in the order asked, a repeated id each time', async () => {
      const [a, b, c] = [await create(), await create(), await create()];
      const { products } = await client.batchGetProducts({ productIds: [c.id, a.id, c.id, b.id.toUpperCase()] });
      expect(products.map((p) => p.id)).toEqual([c.id, a.id, c.id, b.id]);
      expect(products[1]).toEqual(a);
    });

    it('fails with NOT_FOUND naming the first unknown id', async () => {
      const a = await create();
      const missing = [randomUUID(), randomUUID()];
      const err = await failure(client.batchGetProducts({ productIds: [a.id, missing[0]!, missing[1]!] }));
      expect(err.code).toBe(Code.NOT_FOUND);
      expect(err.errorDetails.resourceInfo).toMatchObject({ resourceType: 'shop.catalog.v1.Product', resourceName: missing[0] });
    });

    it('takes 1 to 100 ids, each a UUID', async () => {
      const a = await create();
      expect(violationFields(await failure(client.batchGetProducts({ productIds: [] })))).toEqual(['product_ids']);
      expect(violationFields(await failure(client.batchGetProducts({ productIds: Array(101).fill(a.id) })))).toEqual(['product_ids']);
      expect((await client.batchGetProducts({ productIds: Array(100).fill(a.id) })).products).toHaveLength(100);
      expect(violationFields(await failure(client.batchGetProducts({ productIds: [a.id, 'nope'] })))).toEqual(['product_ids[1]']);
    });
  });

  describe('ListProducts', () => {
    let category: string;
    let products: Product[];

    beforeAll(async () => {
      category = nextCategory();
      // Names and prices repeat, so every order has ties to break by id.
      const specs: Array<[string, bigint]> = [
        ['Mug', 1299n],
        ['mug', 1299n],
        ['Anvil', 500n],
        ['Zebra Print 100% Cotton', 2500n],
        ['Big_Mug', 500n],
        ['kettle', 4990n],
        ['Mug', 800n],
        ['Bowl', 1299n],
      ];
      products = [];
      for (const [name, amountMinor] of specs) products.push(await create({ name, category, price: { currencyCode: 'EUR', amountMinor } }));
    });

    const ids = (list: Product[]) => list.map((p) => p.id);

    it.each(['create_time', 'create_time desc', 'name', 'name desc', 'price', 'price desc'])(
      'orders by %s with ties broken by id, across pages',
      async (orderBy) => {
        const listed = await pageThrough(client, { category, orderBy, pageSize: 3 });
        const expected = orderBy.startsWith('create_time')
          ? orderBy.endsWith('desc')
            ? [...products].reverse()
            : products
          : [...products].sort(compareBy(orderBy));
        expect(ids(listed)).toEqual(ids(expected));
      },
    );

    it('orders by creation by default', async () => {
      expect(ids((await client.listProducts({ category })).products)).toEqual(ids(products));
    });

    it('filters by name ignoring case, matching % and _ literally', async () => {
      const byName = async (nameContains: string) => ids((await client.listProducts({ category, nameContains, orderBy: 'name' })).products);
      expect(await byName('MUG')).toEqual(ids(products.filter((p) => p.name.toLowerCase().includes('mug')).sort(compareBy('name'))));
      expect(await byName('100%')).toEqual([products[3]!.id]);
      expect(await byName('g_m')).toEqual([products[4]!.id]);
      expect(await byName('%')).toEqual([products[3]!.id]);
      expect(await byName('_')).toEqual([products[4]!.id]);
    });

    it('filters by price range in minor units, both ends included', async () => {
      const inRange = (await client.listProducts({ category, minPriceMinor: 800n, maxPriceMinor: 1299n, orderBy: 'price' })).products;
      expect(inRange.map((p) => p.price!.amountMinor)).toEqual([800n, 1299n, 1299n, 1299n]);
      expect((await client.listProducts({ category, minPriceMinor: 2500n })).products.map((p) => p.name)).toEqual(['Zebra Print 100% Cotton', 'kettle']);
      expect((await client.listProducts({ category, maxPriceMinor: 500n })).products).toHaveLength(2);
      expect((await client.listProducts({ category, minPriceMinor: 800n, maxPriceMinor: 800n })).products).toHaveLength(1);
    });

    it('combines filters', async () => {
      const { products: listed } = await client.listProducts({ category, nameContains: 'mug', maxPriceMinor: 1000n });
      expect(listed.map((p) => p.name)).toEqual(['Big_Mug', 'Mug']);
    });

    it('returns an empty page for a category without products', async () => {
      expect(await client.listProducts({ category: nextCategory() })).toEqual({ products: [], nextPageToken: '' });
    });

    it('refuses an unknown order_by, a negative page_size and a minimum above the maximum, naming the field', async () => {
      expect(violationFields(await failure(client.listProducts({ orderBy: 'stock' })))).toEqual(['order_by']);
      expect(violationFields(await failure(client.listProducts({ orderBy: 'price asc' })))).toEqual(['order_by']);
      expect(violationFields(await failure(client.listProducts({ pageSize: -1 })))).toEqual(['page_size']);
      expect(violationFields(await failure(client.listProducts({ minPriceMinor: 10n, maxPriceMinor: 9n })))).toEqual(['min_price_minor']);
    });

    it('refuses a page token used with other filters or another order, and an altered one, on page_token', async () => {
      const first = await client.listProducts({ category, orderBy: 'name', pageSize: 2 });
      expect(first.nextPageToken).not.toBe('');
      const pageToken = first.nextPageToken;
      for (const other of [
        { category: nextCategory(), orderBy: 'name' },
        { category, orderBy: 'name desc' },
        { category, orderBy: 'name', nameContains: 'mug' },
        { category, orderBy: 'name', minPriceMinor: 1n },
      ]) {
        const err = await failure(client.listProducts({ ...other, pageToken }));
        expect(err.code).toBe(Code.INVALID_ARGUMENT);
        expect(violationFields(err)).toEqual(['page_token']);
      }
      const body = JSON.parse(Buffer.from(pageToken, 'base64url').toString());
      const altered = Buffer.from(JSON.stringify({ ...body, k: 'a' })).toString('base64url');
      expect(violationFields(await failure(client.listProducts({ category, orderBy: 'name', pageToken: altered })))).toEqual(['page_token']);
      // The same filters may continue with another page size.
      expect((await client.listProducts({ category, orderBy: 'name', pageSize: 10, pageToken })).products).toHaveLength(products.length - 2);
    });

    it('reports an update through the listing at once', async () => {
      const target = products[2]!;
      await client.updateProduct({ product: { id: target.id, description: 'Refreshed' }, updateMask: ['description'] }, asAdmin);
      const listed = await pageThrough(client, { category, pageSize: 5 });
      expect(listed.find((p) => p.id === target.id)).toMatchObject({ description: 'Refreshed', version: 2n });
    });
  });

  describe('pagination under concurrent inserts', () => {
    const names = ['alpha', 'Bravo', 'charlie', 'Delta', 'echo', 'foxtrot'];
    const prices = [100n, 250n, 250n, 999n, 1000n, 4200n];
    const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

    it.each([
      ['create_time', false],
      ['create_time desc', true],
      ['name', false],
      ['name desc', true],
      ['price', true],
      ['price desc', false],
    ])('returns every product by %s exactly once while 40 more are inserted between pages (category filter: %s)', async (orderBy, filtered) => {
      const category = nextCategory();
      const make = () => create({ name: `${pick(names)} ${pick(names)}`, category, price: { currencyCode: 'EUR', amountMinor: pick(prices) } });
      const originals = new Set<string>();
      for (let i = 0; i < 60; i++) originals.add((await make()).id);

      let inserted = 0;
      const insertSome = async () => {
        for (let i = 0; i < 5 && inserted < 40; i++) {
          inserted += 1;
          await make();
        }
      };
      const listed = await pageThrough(client, { orderBy, pageSize: 7, ...(filtered ? { category } : {}) }, insertSome);
      while (inserted < 40) await insertSome();

      const seen = listed.map((p) => p.id);
      expect(new Set(seen).size).toBe(seen.length);
      const originalsSeen = seen.filter((id) => originals.has(id));
      expect(originalsSeen).toHaveLength(originals.size);
      // Only this test's products were created one at a time, so only they
      // have create_time in creation order to check against.
      expectSorted(
        listed.filter((p) => p.category === category),
        orderBy,
      );
    });

    it('lowers a page_size above 100 to 100', async () => {
      const category = nextCategory();
      for (let i = 0; i < 101; i++) await create({ category });
      const page = await client.listProducts({ category, pageSize: 1000 });
      expect(page.products).toHaveLength(100);
      expect(page.nextPageToken).not.toBe('');
      expect((await client.listProducts({ category, pageSize: 1000, pageToken: page.nextPageToken })).products).toHaveLength(1);
      expect((await client.listProducts({ category })).products).toHaveLength(20);
    });
  });
});

describe.each(backends())('demo data on %s', (backend: Backend) => {
  let auth: TestAuth;
  let dataDir: string;
  let schema: string;

  beforeAll(async () => {
    auth = await createTestAuth();
  });
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'catalog-demo-'));
    schema = `t_catalog_demo_${randomBytes(4).toString('hex')}`;
  });
  afterEach(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (backend === 'postgres') await dropSchema(schema);
  });
  afterAll(() => auth.cleanup());

  /** withService runs body against a catalog on this test's storage, which outlives the service. */
  async function withService(env: Record<string, string>, body: (client: CatalogClient) => Promise<void>): Promise<void> {
    const svc = await startTestService(catalogService, { auth, backend, env, dataDir, schema });
    const client = connect(svc.address);
    try {
      await body(client);
    } finally {
      client.close();
      await svc.stop();
    }
  }

  it('loads the demo products with their fixed ids into an empty catalog, once', async () => {
    const demo = JSON.parse(readFileSync(DEMO_DATA, 'utf8')) as { products: Array<{ id: string; sku: string }> };
    await withService({ DEMO_DATA }, async (client) => {
      const listed = await pageThrough(client, { pageSize: 5 });
      expect(listed.map((p) => [p.id, p.sku, p.version])).toEqual(demo.products.map((p) => [p.id, p.sku, 1n]));
    });
    await withService({ DEMO_DATA }, async (client) => {
      expect(await pageThrough(client, { pageSize: 100 })).toHaveLength(demo.products.length);
    });
  });

  it('leaves a catalog that already holds products alone', async () => {
    const admin = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'admin-1', roles: ['admin'] })}` } };
    await withService({}, async (client) => {
      await client.createProduct({ product: productInput() }, admin);
    });
    await withService({ DEMO_DATA }, async (client) => {
      expect((await client.listProducts({})).products).toHaveLength(1);
    });
  });
});
