/**
 * No request can hurt another: the scenario 1 replayed through the
 * real gateway. One backend (plain @grpc/grpc-js, as a service without the
 * kit's error bounds would answer) serves inventory and orders on one
 * connection from the gateway. While 30 clients read stock and 3 customers
 * watch their orders, hostile requests make it answer with trailers of
 * 90 KB (between one and two times the 64 KiB limit, where HPACK used to
 * fall out of step) and of 260 KB (past twice the limit, where the shared
 * connection used to be torn down). Every other call must succeed; the
 * hostile ones get a 502 that says why.
 */
import { Metadata, Server, ServerCredentials, status as Code, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import pino from 'pino';
import { sharedContract } from '@shop/kit';
import { createTestAuth, type TestAuth } from '@shop/kit/testing';
import { GetStockResponse, InventoryServiceService } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { OrderServiceService, WatchOrderResponse } from '@shop/sdk/ts/shop/orders/v1/order_service';
import { OrderState } from '@shop/sdk/ts/shop/orders/v1/order';
import { createGateway, type Gateway } from '../src/create-gateway';
import { detail, errorOf, http } from './support/http';
import { startFakeShop, type FakeShop } from './support/shop-backends';

const WATCH_EVENTS = 20;

/** hugeError is an INVALID_ARGUMENT whose trailers are about `size` bytes, as inventory's used to be for 1,200 SKUs. */
function hugeError(size: number) {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.alloc(Math.floor((size * 0.6 * 3) / 4), 7));
  return { code: Code.INVALID_ARGUMENT, details: `skus: duplicate; `.repeat(Math.floor((size * 0.4) / 17)), metadata };
}

let auth: TestAuth;
let shop: FakeShop;
let backend: Server;
let gateway: Gateway;
let base: string;
let token: string;

beforeAll(async () => {
  auth = await createTestAuth();
  shop = await startFakeShop(auth);
  token = await auth.userToken({ userId: 'alice' });
  backend = new Server();
  backend.addService(InventoryServiceService, {
    getStock: (call: ServerUnaryCall<{ sku: string }, unknown>, callback: sendUnaryData<unknown>) => {
      if (call.request.sku === 'HUGE-90K') return callback(hugeError(90_000));
      callback(null, GetStockResponse.fromPartial({ stock: { sku: call.request.sku, onHand: '5', reserved: '1', available: '4' } }));
    },
    batchGetStock: (_call: unknown, callback: sendUnaryData<unknown>) => callback(hugeError(260_000)),
  } as never);
  backend.addService(OrderServiceService, {
    watchOrder: (call: ServerWritableStream<{ orderId: string }, unknown>) => {
      let sent = 0;
      const timer = setInterval(() => {
        if (call.cancelled) return clearInterval(timer);
        call.write(WatchOrderResponse.fromPartial({ order: { id: call.request.orderId, userId: 'alice', state: OrderState.ORDER_STATE_PENDING } }));
        sent += 1;
        if (sent === WATCH_EVENTS) {
          clearInterval(timer);
          call.end();
        }
      }, 60);
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) => backend.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const hostile = `127.0.0.1:${port}`;
  gateway = createGateway({
    contract: sharedContract(),
    log: pino({ level: 'silent' }),
    backends: (service) => (service.startsWith('shop.inventory.') || service.startsWith('shop.orders.') ? [hostile] : [shop.address]),
    settings: { rateLimit: {} },
  });
  base = `http://127.0.0.1:${await gateway.listen(0)}`;
});

afterAll(async () => {
  await gateway.close({ graceMs: 100 });
  await new Promise<void>((resolve) => backend.tryShutdown(() => resolve()));
  await shop.stop();
  auth.cleanup();
});

/** watch reads one order's SSE stream to its end and counts its events. */
async function watch(orderId: string): Promise<{ status: number; events: number; errors: number }> {
  const res = await fetch(`${base}/v1/orders/${orderId}:watch`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  const text = await res.text();
  return { status: res.status, events: (text.match(/^data: /gm) ?? []).length, errors: (text.match(/^event: error/gm) ?? []).length };
}

describe('isolation through the gateway', () => {
  it('oversized answers fail their own requests with 502; every other call and watch succeeds', async () => {
    const watches = [1, 2, 3].map((n) => watch(`00000000-0000-4000-8000-00000000000${n}`));
    const deadline = Date.now() + 1_500;
    const readers = Array.from({ length: 30 }, async (_, i) => {
      const statuses: number[] = [];
      while (Date.now() < deadline) statuses.push((await http(base, 'GET', `/v1/stock/SKU-${i}`)).status);
      return statuses;
    });
    const batchQuery = Array.from({ length: 100 }, (_, i) => `skus=SKU-${i}`).join('&');
    const hostile = Array.from({ length: 12 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 100));
      return i % 2 === 0 ? http(base, 'GET', `/v1/stock:batchGet?${batchQuery}`) : http(base, 'GET', '/v1/stock/HUGE-90K');
    });

    const bad = await Promise.all(hostile);
    for (const res of bad) {
      expect(res.status).toBe(502);
      expect(errorOf(res).status).toBe('INTERNAL');
      expect(detail(res, 'google.rpc.ErrorInfo')).toMatchObject({ reason: 'BAD_UPSTREAM_RESPONSE' });
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    const statuses = (await Promise.all(readers)).flat();
    expect(statuses.length).toBeGreaterThan(60);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    for (const w of await Promise.all(watches)) expect(w).toEqual({ status: 200, events: WATCH_EVENTS, errors: 0 });
  }, 30_000);
});
