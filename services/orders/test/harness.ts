import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { appendEvents, createEvents, EVENT_FEED_CALLERS, type Database, type ServiceSpec } from '@shop/kit';
import { createTestAuth, dropSchema, startTestService, type Backend, type TestAuth, type TestService } from '@shop/kit/testing';
import { createPromiseClient, type PromiseClient } from '@shop/sdk/lib/promise-client';
import { CatalogServiceDefinition } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import type { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import type { ReservationState } from '@shop/sdk/ts/shop/inventory/v1/stock';
import { OrderServiceDefinition } from '@shop/sdk/ts/shop/orders/v1/order_service';
import { PaymentServiceDefinition } from '@shop/sdk/ts/shop/payments/v1/payment_service';
import { catalogService } from '../../catalog/src/service';
import { inventoryService } from '../../inventory/src/service';
import { createSimulator, type Simulator } from '../../payments/src/simulator/create-simulator';
import { paymentsService } from '../../payments/src/service';
import { createOrdersService, type OrdersServiceOptions } from '../src/service';

/** Metadata is the call options carrying a token. */
export type Metadata = { metadata: Record<string, string> };

const SIMULATOR_SECRET = 'sk_test_orders_suite';

/** connect makes a plaintext promise client of a service under test. */
export function connect<D extends Parameters<typeof createPromiseClient>[0]>(definition: D, address: string): PromiseClient<D> & { close(): void } {
  return createPromiseClient(definition, address, credentials.createInsecure(), { defaultDeadlineMs: 10_000 });
}

/**
 * Mesh is the part of shopmesh the orders service talks to, running for
 * real in this process: catalog, inventory, payments with its simulated
 * provider, and a stand-in shipping service that only publishes events.
 */
export interface Mesh {
  auth: TestAuth;
  backend: Backend;
  simulator: Simulator;
  admin: Metadata;
  catalog: PromiseClient<typeof CatalogServiceDefinition>;
  inventory: PromiseClient<typeof InventoryServiceDefinition>;
  payments: PromiseClient<typeof PaymentServiceDefinition>;
  /** addresses are the orders service's env for reaching the mesh. */
  addresses: Record<string, string>;
  /** userToken is the metadata of a customer (or an admin). */
  as(userId: string, roles?: Array<'customer' | 'admin'>): Promise<Metadata>;
  /** product creates a product with its own SKU and stock. */
  product(opts?: { stock?: number; priceMinor?: number; currency?: string; name?: string }): Promise<{ id: string; sku: string; name: string }>;
  /** reservationState waits (up to 10 s) until the order's reservation is in state, and returns the state it last saw ('' if none). */
  reservationState(orderId: string, state?: ReservationState): Promise<ReservationState | ''>;
  /** level reads a SKU's stock. */
  level(sku: string): Promise<{ onHand: bigint; reserved: bigint; available: bigint; sold: bigint }>;
  /** ship publishes a ShipmentShipped event from the stand-in shipping service. */
  ship(orderId: string, userId: string): Promise<string>;
  /** startPayments starts another payments service (for example against a dead provider) and returns its address. */
  startPayments(env: Record<string, string>): Promise<string>;
  /** orderEvents pulls the events an orders service published, optionally only those about one order. */
  orderEvents(ordersAddress: string, orderId?: string): Promise<EventEnvelope[]>;
  /** eventOf waits (up to 5 s) until an orders service published an event of type about an order, and returns it. */
  eventOf(ordersAddress: string, orderId: string, type: string): Promise<EventEnvelope | undefined>;
  stop(): Promise<void>;
}

/**
 * startMesh starts the services the orders service calls. Payments gets a
 * small circuit breaker window so the outage tests do not wait long; the
 * provider timeout is short so the ambiguous (slow) case is quick.
 */
export async function startMesh(backend: Backend): Promise<Mesh> {
  const auth = await createTestAuth();
  const simulator = createSimulator({ secret: SIMULATOR_SECRET, slowMs: 1_500 });
  const simulatorPort = await simulator.listen(0, '127.0.0.1');
  const services: TestService[] = [];
  const start = async <S extends Parameters<typeof startTestService>[0]>(spec: S, env: Record<string, string> = {}) => {
    const svc = await startTestService(spec, { auth, backend, env: { LOG_LEVEL: 'error', ...env } });
    services.push(svc);
    return svc;
  };
  const catalogSvc = await start(catalogService);
  const inventorySvc = await start(inventoryService, { RESERVATION_SWEEP_INTERVAL: '200ms' });
  const paymentsSvc = await start(paymentsService, {
    PAYMENT_PROVIDER_URL: `http://127.0.0.1:${simulatorPort}`,
    PAYMENT_PROVIDER_SECRET: SIMULATOR_SECRET,
    PROVIDER_TIMEOUT: '500ms',
    RECONCILE_INTERVAL: '200ms',
    RECONCILE_AFTER: '1s',
    // Tests that make the provider fail on purpose must not open this breaker for the others.
    BREAKER_MIN_CALLS: '1000',
  });
  const shipping = await startFakeShipping(auth, backend);
  services.push(shipping.svc);

  const admin = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'admin-1', roles: ['admin', 'customer'] })}` } };
  const catalog = connect(CatalogServiceDefinition, catalogSvc.address);
  const inventory = connect(InventoryServiceDefinition, inventorySvc.address);
  const payments = connect(PaymentServiceDefinition, paymentsSvc.address);
  const feedToken = await (await auth.identity('shipping')).token('orders');
  const feeds = new Map<string, PromiseClient<typeof EventFeedServiceDefinition> & { close(): void }>();

  const mesh: Mesh = {
    auth,
    backend,
    simulator,
    admin,
    catalog,
    inventory,
    payments,
    addresses: {
      CATALOG_ADDRESS: catalogSvc.address,
      INVENTORY_ADDRESS: inventorySvc.address,
      PAYMENTS_ADDRESS: paymentsSvc.address,
      SHIPPING_ADDRESS: shipping.svc.address,
    },
    async as(userId, roles = ['customer']) {
      return { metadata: { authorization: `Bearer ${await auth.userToken({ userId, roles })}` } };
    },
    async product({ stock = 10, priceMinor = 1250, currency = 'EUR', name } = {}) {
      const sku = `T-${randomBytes(4).toString('hex').toUpperCase()}`;
      const { product } = await catalog.createProduct(
        { product: { sku, name: name ?? `Test product ${sku}`, price: { currencyCode: currency, amountMinor: BigInt(priceMinor) } } },
        admin,
      );
      await inventory.setStock({ sku, onHand: BigInt(stock) }, admin);
      return { id: product!.id, sku, name: product!.name };
    },
    async reservationState(orderId, state) {
      const asOrders = { metadata: { 'x-shop-service-token': await (await auth.identity('orders')).token('inventory') } };
      let seen: ReservationState | '' = '';
      for (let waited = 0; waited < 10_000; waited += 100) {
        seen = await inventory.getReservation({ reservationId: `order-${orderId}` }, asOrders).then(
          (r) => r.reservation!.state,
          () => '' as const,
        );
        if (state === undefined || seen === state) return seen;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return seen;
    },
    async level(sku) {
      const { stock } = await inventory.getStock({ sku });
      return { onHand: stock!.onHand, reserved: stock!.reserved, available: stock!.available, sold: stock!.sold };
    },
    ship: (orderId, userId) => shipping.ship(orderId, userId),
    async startPayments(env) {
      const svc = await start(paymentsService, { PAYMENT_PROVIDER_SECRET: SIMULATOR_SECRET, PROVIDER_TIMEOUT: '500ms', ...env });
      return svc.address;
    },
    async orderEvents(ordersAddress, orderId) {
      let feed = feeds.get(ordersAddress);
      if (!feed) feeds.set(ordersAddress, (feed = connect(EventFeedServiceDefinition, ordersAddress)));
      const { events } = await feed.pullEvents({ afterPosition: 0n, maxEvents: 500 }, { metadata: { 'x-shop-service-token': feedToken } });
      return events.map((e) => e.envelope!).filter((e) => orderId === undefined || e.subject === orderId);
    },
    async eventOf(ordersAddress, orderId, type) {
      for (let waited = 0; waited < 5_000; waited += 100) {
        const found = (await mesh.orderEvents(ordersAddress, orderId)).find((e) => e.type === type);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return undefined;
    },
    async stop() {
      for (const c of [catalog, inventory, payments, ...feeds.values()]) c.close();
      for (const svc of services.reverse()) await svc.stop();
      await simulator.close();
      auth.cleanup();
    },
  };
  return mesh;
}

/** deadPort returns a local port nothing listens on (it was free a moment ago). */
export async function deadPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** OrdersInstance is one orders service process (in-process) and a client of it. */
export interface OrdersInstance {
  svc: TestService;
  address: string;
  client: PromiseClient<typeof OrderServiceDefinition> & { close(): void };
  stop(): Promise<void>;
}

/** OrdersStorage pins an orders service's data, so another instance can start on it after a (simulated) crash. */
export interface OrdersStorage {
  dataDir: string;
  schema: string;
  /** remove deletes the data once no instance uses it. */
  remove(): Promise<void>;
}

/** ordersStorage makes a data directory and schema name for instances that share data. */
export function ordersStorage(backend: Backend): OrdersStorage {
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-orders-shared-'));
  const schema = `t_orders_${randomBytes(4).toString('hex')}`;
  return {
    dataDir,
    schema,
    async remove() {
      rmSync(dataDir, { recursive: true, force: true });
      if (backend === 'postgres') await dropSchema(schema);
    },
  };
}

/** startOrders starts an orders service against the mesh. */
export async function startOrders(
  mesh: Mesh,
  opts: { env?: Record<string, string>; options?: OrdersServiceOptions; storage?: OrdersStorage } = {},
): Promise<OrdersInstance> {
  const svc = await startTestService(createOrdersService(opts.options), {
    auth: mesh.auth,
    backend: mesh.backend,
    env: { LOG_LEVEL: 'error', SAGA_RECOVERY_INTERVAL: '200ms', SAGA_RETRY_BACKOFF: '20ms', SAGA_RETRY_MAX_BACKOFF: '200ms', ...mesh.addresses, ...opts.env },
    ...(opts.storage ? { dataDir: opts.storage.dataDir, schema: opts.storage.schema } : {}),
  });
  const client = connect(OrderServiceDefinition, svc.address);
  return {
    svc,
    address: svc.address,
    client,
    async stop() {
      client.close();
      await svc.stop();
    },
  };
}

/**
 * startFakeShipping runs a stand-in for the shipping service: only its
 * event feed, from which the orders service consumes ShipmentShipped. ship
 * appends an event to its outbox as the real service would.
 */
async function startFakeShipping(auth: TestAuth, backend: Backend): Promise<{ svc: TestService; ship(orderId: string, userId: string): Promise<string> }> {
  const migrationsDir = mkdtempSync(join(tmpdir(), 'shop-fake-shipping-'));
  let db: Database | undefined;
  const spec: ServiceSpec<Record<string, never>> = {
    name: 'shipping',
    env: {},
    migrationsDir,
    internalCallers: { ...EVENT_FEED_CALLERS },
    async build(deps) {
      db = deps.db;
      const events = createEvents({ service: 'shipping', db: deps.db, log: deps.log, clients: deps.clients, metrics: deps.metrics, pollIntervalMs: 50 });
      events.relay.start();
      return { services: [events.feed], stop: [() => events.relay.stop()] };
    },
  };
  const svc = await startTestService(spec, { auth, backend });
  return {
    svc: {
      address: svc.address,
      async stop() {
        await svc.stop();
        rmSync(migrationsDir, { recursive: true, force: true });
      },
    },
    async ship(orderId, userId) {
      const shipmentId = `shp-${randomBytes(4).toString('hex')}`;
      await db!.transaction((tx) =>
        appendEvents(tx, 'shipping', [
          { subject: shipmentId, payload: { $case: 'shipmentShipped', value: { shipmentId, orderId, userId, carrier: 'DHL', trackingNumber: 'JJD0001' } } },
        ]),
      );
      return shipmentId;
    },
  };
}
