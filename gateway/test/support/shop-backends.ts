import { status as Code } from '@grpc/grpc-js';
import pino from 'pino';
import {
  createServer,
  DomainError,
  failedPrecondition,
  invalidArgument,
  isAdmin,
  maxWaitMs,
  notFound,
  resourceExhausted,
  unavailable,
  type CallContext,
  type ServiceDefinition,
  type ShopServer,
} from '@shop/kit';
import type { TestAuth } from '@shop/kit/testing';
import { AuthServiceDefinition, type ListRevokedSessionsRequest } from '@shop/sdk/ts/shop/users/v1/auth_service';
import { UserServiceDefinition } from '@shop/sdk/ts/shop/users/v1/user_service';
import { CatalogServiceDefinition } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { OrderServiceDefinition } from '@shop/sdk/ts/shop/orders/v1/order_service';
import { OrderState, type Order } from '@shop/sdk/ts/shop/orders/v1/order';
import { PaymentServiceDefinition } from '@shop/sdk/ts/shop/payments/v1/payment_service';
import { ShippingServiceDefinition } from '@shop/sdk/ts/shop/shipping/v1/shipping_service';
import { Role } from '@shop/sdk/ts/shop/users/v1/user';

/** FakeShop is one kit server hosting fake implementations of every shop service. */
export interface FakeShop {
  address: string;
  port: number;
  server: ShopServer;
  /** seen records what the handlers observed: metadata keys, deadlines, served calls. */
  seen: { metadataKeys: string[][]; metadata: Array<Record<string, string>>; deadlinesMs: number[]; served: number; cancelledStreams: number };
  stop(): Promise<void>;
}

/** PRODUCT is the one product the fake catalog knows (9e0d0c1a-0000-4000-8000-00000000000a). */
export const PRODUCT = {
  id: '9e0d0c1a-0000-4000-8000-00000000000a',
  sku: 'MUG-001',
  name: 'Stoneware Mug',
  description: 'A mug.',
  price: { currencyCode: 'EUR', amountMinor: '1299' },
  category: 'kitchen',
  imageUrl: 'https://images.shop.example/mug.jpg',
  createTime: new Date('2024-01-01T00:00:00Z'),
  updateTime: new Date('2024-01-02T03:04:05.678Z'),
  version: '3',
};

function order(id: string, userId: string, state: OrderState): Partial<Order> {
  return { id, userId, state, total: { currencyCode: 'EUR', amountMinor: 2598n }, createTime: new Date('2024-02-01T00:00:00Z') };
}

const ORDERS: Record<string, Partial<Order>> = {
  '0a11ce00-0000-4000-8000-000000000001': order('0a11ce00-0000-4000-8000-000000000001', 'alice', OrderState.ORDER_STATE_PENDING),
  '0b0b0000-0000-4000-8000-000000000002': order('0b0b0000-0000-4000-8000-000000000002', 'bob', OrderState.ORDER_STATE_CONFIRMED),
};

/** unimplemented fills a service with handlers that fail UNIMPLEMENTED, then applies the overrides. */
function fake<D extends ServiceDefinition>(definition: D, overrides: Record<string, unknown>): never {
  const implementation: Record<string, unknown> = {};
  for (const key of Object.keys(definition.methods)) {
    implementation[key] =
      overrides[key] ??
      (async () => {
        throw new DomainError(Code.UNIMPLEMENTED, 'UNSPECIFIED', `${definition.methods[key].name} is not faked`);
      });
  }
  return implementation as never;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });

/**
 * startFakeShop runs the real kit server (auth by the contract's access
 * levels, error mapping with google.rpc details, health) with fake
 * handlers: products, two users' orders, a stream of order states, and a
 * ListProducts whose page_token picks a failure to produce.
 */
export async function startFakeShop(auth: TestAuth, port = 0): Promise<FakeShop> {
  const seen = { metadataKeys: [] as string[][], metadata: [] as Array<Record<string, string>>, deadlinesMs: [] as number[], served: 0, cancelledStreams: 0 };
  const server = createServer({ log: pino({ level: 'silent' }), service: 'shop', auth: auth.authenticators });
  const note = (ctx: CallContext) => {
    seen.served += 1;
    const map = ctx.metadata.getMap();
    seen.metadataKeys.push(Object.keys(map));
    seen.metadata.push(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)])));
    seen.deadlinesMs.push(ctx.deadline - Date.now());
  };

  server.addService(
    AuthServiceDefinition,
    fake(AuthServiceDefinition, {
      getJwks: async () => auth.jwks(),
      // The test keys' revoked sessions (auth.revokeSession), served as the users service serves its own.
      async listRevokedSessions(req: ListRevokedSessionsRequest, ctx: CallContext) {
        const page = await auth.revocations(req.afterPosition || '0', maxWaitMs(req.maxWait), ctx.signal);
        return { sessions: page.sessions.map((s) => ({ sessionId: s.sessionId, expireTime: new Date(s.expireTime) })), position: page.position };
      },
    }),
  );
  server.addService(
    UserServiceDefinition,
    fake(UserServiceDefinition, {
      getCurrentUser: async (_req: unknown, ctx: CallContext) => {
        note(ctx);
        return { user: { id: ctx.user!.userId, email: `${ctx.user!.userId}@example.com`, roles: isAdmin(ctx.user) ? [Role.ROLE_ADMIN] : [Role.ROLE_CUSTOMER] } };
      },
    }),
  );
  server.addService(
    CatalogServiceDefinition,
    fake(CatalogServiceDefinition, {
      getProduct: async (req: { productId: string }, ctx: CallContext) => {
        note(ctx);
        if (req.productId !== PRODUCT.id) throw notFound('product', req.productId);
        return { product: PRODUCT };
      },
      createProduct: async (req: { product?: { sku: string; name: string } }, ctx: CallContext) => {
        note(ctx);
        return { product: { ...PRODUCT, id: 'p-new', sku: req.product?.sku ?? '', name: req.product?.name ?? '' } };
      },
      listProducts: async (req: { pageToken: string; pageSize: number }, ctx: CallContext) => {
        note(ctx);
        switch (req.pageToken) {
          case 'slow':
            await sleep(3_000, ctx.signal);
            break;
          case 'crash':
            throw new Error('connection to db-7.internal:5432 refused (password=hunter2)');
          case 'leak':
            throw new DomainError(Code.INTERNAL, 'UNSPECIFIED', 'stack: at Object.<anonymous> (/srv/secret.ts:1:1)');
          case 'unavailable':
            throw unavailable('PAYMENT_PROVIDER_UNAVAILABLE', 'the provider is down', 2_500);
          case 'exhausted':
            throw resourceExhausted('OVERLOADED', 'too busy', 1_000);
          case 'invalid':
            throw invalidArgument([{ field: 'page_size', description: 'must be at most 100' }]);
          case 'precondition':
            throw failedPrecondition('INVALID_STATE', 'the listing is frozen', { preconditionViolations: [{ type: 'STATE', subject: 'catalog', description: 'frozen' }] });
          case 'conflict':
            throw new DomainError(Code.ABORTED, 'VERSION_CONFLICT', 'the product changed');
          default:
            break;
        }
        return { products: [PRODUCT], nextPageToken: '' };
      },
    }),
  );
  server.addService(
    OrderServiceDefinition,
    fake(OrderServiceDefinition, {
      getOrder: async (req: { orderId: string }, ctx: CallContext) => {
        note(ctx);
        const found = ORDERS[req.orderId];
        // Someone else's order looks exactly like a missing one.
        if (!found || (found.userId !== ctx.user?.userId && !isAdmin(ctx.user))) throw notFound('order', req.orderId);
        return { order: found };
      },
      watchOrder: async function* (req: { orderId: string }, ctx: CallContext) {
        note(ctx);
        const found = ORDERS[req.orderId];
        if (!found || (found.userId !== ctx.user?.userId && !isAdmin(ctx.user))) throw notFound('order', req.orderId);
        yield { order: { ...found, state: OrderState.ORDER_STATE_PENDING } };
        if (req.orderId === '0b0b0000-0000-4000-8000-000000000002') {
          // A watch that breaks after its first message.
          throw unavailable('UNSPECIFIED', 'orders is shutting down', 500);
        }
        try {
          await sleep(50, ctx.signal);
          yield { order: { ...found, state: OrderState.ORDER_STATE_CONFIRMED } };
          await sleep(ctx.metadata.get('x-test-long').length > 0 ? 60_000 : 50, ctx.signal);
          yield { order: { ...found, state: OrderState.ORDER_STATE_SHIPPED } };
        } catch (err) {
          if (ctx.signal.aborted) seen.cancelledStreams += 1;
          throw err;
        }
      },
    }),
  );
  server.addService(InventoryServiceDefinition, fake(InventoryServiceDefinition, {}));
  server.addService(PaymentServiceDefinition, fake(PaymentServiceDefinition, {}));
  server.addService(ShippingServiceDefinition, fake(ShippingServiceDefinition, {}));
  const bound = await server.listen('127.0.0.1', port);
  return {
    address: `127.0.0.1:${bound}`,
    port: bound,
    server,
    seen,
    stop: () => server.shutdown({ graceMs: 100 }),
  };
}
