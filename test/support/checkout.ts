import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { createServiceIdentity } from '@shop/kit';
import { createShopClients, ShopError, Status, type ShopClients } from '@shop/sdk';
import { createPromiseClient } from '@shop/sdk/lib/promise-client';
import type { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import { OrderState } from '@shop/sdk/ts/shop/orders/v1/order';
import type { Mesh, MeshService } from './mesh';

/** CHECKOUT_SERVICES are the processes a checkout needs, users first (the others fetch its keys). */
export const CHECKOUT_SERVICES = ['users', 'catalog', 'inventory', 'payments', 'orders', 'shipping'] as const;

/** DEMO_PRODUCTS are demo/shop.json products the end-to-end suites buy. */
export const DEMO_PRODUCTS = {
  mug: { id: '69040c33-5c8e-59b0-9032-bc23eb34ff6a', sku: 'MUG-001' },
  kettle: { id: 'a127c789-0e30-5edb-8ec6-394be12a2711', sku: 'KETTLE-002' },
  knife: { id: 'ea39394f-5130-5843-b06a-643a7f1c077b', sku: 'KNIFE-003' },
} as const;

/** ADDRESS is a valid shipping address. */
export const ADDRESS = { recipient: 'Ada Lovelace', lines: ['12 St James Square'], city: 'London', postalCode: 'SW1Y 4JH', countryCode: 'GB' };

/** TERMINAL are the order states a checkout ends in (CONFIRMED ends the saga; shipping moves it on). */
export const TERMINAL = new Set<OrderState>([OrderState.ORDER_STATE_CONFIRMED, OrderState.ORDER_STATE_SHIPPED, OrderState.ORDER_STATE_FAILED, OrderState.ORDER_STATE_CANCELLED]);

/** meshClients builds SDK clients for every service the mesh runs. */
export function meshClients(mesh: Mesh, token?: string): ShopClients {
  return createShopClients({
    addresses: {
      auth: mesh.address('users'),
      users: mesh.address('users'),
      catalog: mesh.address('catalog'),
      inventory: mesh.address('inventory'),
      orders: mesh.address('orders'),
      payments: mesh.address('payments'),
      shipping: mesh.address('shipping'),
    },
    token,
    defaultDeadlineMs: 15_000,
  });
}

/** loginAda logs the demo customer in through the users service and returns her access token. */
export async function loginAda(mesh: Mesh): Promise<string> {
  const anon = meshClients(mesh);
  try {
    const { tokens } = await anon.auth.login({ email: 'ada@shop.example', password: 'customer-password-1' });
    return tokens!.accessToken;
  } finally {
    anon.close();
  }
}

/** isTransient tells a failure worth retrying with the same idempotency key (a process down or restarting). */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof ShopError)) return false;
  return [Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED, Status.CANCELLED, Status.INTERNAL, Status.UNKNOWN].includes(err.code);
}

/** waitFor polls until check returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** SimulatorCharge is the part of a simulator charge the suites read. */
export interface SimulatorCharge {
  id: string;
  status: string;
  amount: number;
  amount_refunded: number;
  metadata: { order_id?: string };
}

/** simulatorCharges lists the simulator's charges for one order (or all of them). */
export async function simulatorCharges(mesh: Mesh, orderId?: string): Promise<SimulatorCharge[]> {
  const url = new URL('/v1/charges', mesh.simulatorUrl);
  if (orderId) url.searchParams.set('order_id', orderId);
  const res = await fetch(url, { headers: { authorization: 'Bearer sk_test_shopmesh_simulator' } });
  if (!res.ok) throw new Error(`simulator answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { data: SimulatorCharge[] }).data;
}

/**
 * feedEnvelopes reads every event a service has published, from its
 * EventFeedService, calling as the orders service (feeds are internal) with
 * the key the mesh's processes share in `<dataDir>/keys`. Each outbox row
 * appears once, however often the relay delivered it: counting them counts
 * effects, not deliveries.
 */
export async function feedEnvelopes(mesh: Mesh, service: MeshService): Promise<EventEnvelope[]> {
  const identity = await createServiceIdentity({ service: 'orders', keysDir: join(mesh.dataDir, 'keys') });
  const feed = createPromiseClient(EventFeedServiceDefinition, mesh.address(service), credentials.createInsecure(), { defaultDeadlineMs: 10_000 });
  try {
    const metadata = { 'x-shop-service-token': await identity.token(service) };
    const all: EventEnvelope[] = [];
    for (let after = 0n; ; ) {
      const { events } = await feed.pullEvents({ afterPosition: after, maxEvents: 500 }, { metadata });
      all.push(...events.map((e) => e.envelope!));
      if (events.length < 500) return all;
      after = events[events.length - 1]!.position;
    }
  } finally {
    feed.close();
  }
}

/** countByOrder counts, per order id, the envelopes whose payload is of kind `$case`. */
export function countByOrder(envelopes: EventEnvelope[], $case: NonNullable<EventEnvelope['payload']>['$case']): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of envelopes) {
    if (e.payload?.$case !== $case) continue;
    const orderId = (e.payload.value as { orderId?: string }).orderId ?? '';
    counts.set(orderId, (counts.get(orderId) ?? 0) + 1);
  }
  return counts;
}
