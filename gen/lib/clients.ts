import {
  ChannelCredentials,
  Metadata,
  createChannel,
  createClientFactory,
  type CallOptions,
  type Channel,
  type ChannelOptions,
  type Client,
  type ClientMiddleware,
} from 'nice-grpc';
import { deadlineMiddleware, type DeadlineOptions } from 'nice-grpc-client-middleware-deadline';
import { AuthServiceDefinition } from '../ts/shop/users/v1/auth_service';
import { UserServiceDefinition } from '../ts/shop/users/v1/user_service';
import { CatalogServiceDefinition } from '../ts/shop/catalog/v1/catalog_service';
import { InventoryServiceDefinition } from '../ts/shop/inventory/v1/inventory_service';
import { OrderServiceDefinition } from '../ts/shop/orders/v1/order_service';
import { PaymentServiceDefinition } from '../ts/shop/payments/v1/payment_service';
import { ShippingServiceDefinition } from '../ts/shop/shipping/v1/shipping_service';
import { DEFAULT_ADDRESSES, type ServiceName } from './addresses';
import { errorDetailsMiddleware } from './errors';

/** ShopCallOptions are what every SDK call accepts: `deadline`, `metadata`, `signal` and more. */
export type ShopCallOptions = CallOptions & DeadlineOptions;

/** TokenSource yields the bearer token for a call, or undefined to send none. */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** ShopClientsOptions configure createShopClients. */
export interface ShopClientsOptions {
  /** address serves every service (for example a single proxy); overrides the defaults. */
  address?: string;
  /** addresses set one service's address, for example `{ catalog: 'catalog.shop:50051' }`. */
  addresses?: Partial<Record<ServiceName, string>>;
  /** credentials: 'insecure' (plaintext, the default) or 'tls' (system roots), or your own. */
  credentials?: 'insecure' | 'tls' | ChannelCredentials;
  /** token is sent as `authorization: Bearer <token>` unless a call sets its own. */
  token?: TokenSource;
  /** defaultDeadlineMs bounds every call that sets no deadline of its own (default 10 s). */
  defaultDeadlineMs?: number;
  /** channelOptions are passed to grpc-js, for example keepalive settings. */
  channelOptions?: ChannelOptions;
}

const definitions = {
  auth: AuthServiceDefinition,
  users: UserServiceDefinition,
  catalog: CatalogServiceDefinition,
  inventory: InventoryServiceDefinition,
  orders: OrderServiceDefinition,
  payments: PaymentServiceDefinition,
  shipping: ShippingServiceDefinition,
} as const;

type Definitions = typeof definitions;

/** ShopClients holds a promise-based client per service. */
export type ShopClients = { [K in keyof Definitions]: Client<Definitions[K], ShopCallOptions> } & {
  /** close closes every channel. */
  close(): void;
};

function toCredentials(credentials: ShopClientsOptions['credentials']): ChannelCredentials {
  if (credentials === undefined || credentials === 'insecure') return ChannelCredentials.createInsecure();
  if (credentials === 'tls') return ChannelCredentials.createSsl();
  return credentials;
}

function tokenMiddleware(token: TokenSource): ClientMiddleware {
  return async function* bearerToken(call, options) {
    const metadata = Metadata(options.metadata);
    if (!metadata.has('authorization')) {
      const value = typeof token === 'string' ? token : await token();
      if (value) metadata.set('authorization', `Bearer ${value}`);
    }
    return yield* call.next(call.request, { ...options, metadata });
  };
}

/**
 * createShopClients builds a promise-based client for every shopmesh service:
 *
 *   const shop = createShopClients({ token: () => session.accessToken });
 *   const { product } = await shop.catalog.getProduct({ productId });
 *
 * Requests accept partial messages (missing fields take their proto
 * defaults). Failures throw ShopError with the decoded google.rpc details.
 * Channels are shared between services that live at the same address.
 */
export function createShopClients(options: ShopClientsOptions = {}): ShopClients {
  const credentials = toCredentials(options.credentials);
  const channels = new Map<string, Channel>();
  const channelFor = (service: ServiceName): Channel => {
    const address = options.addresses?.[service] ?? options.address ?? DEFAULT_ADDRESSES[service];
    let channel = channels.get(address);
    if (!channel) {
      channel = createChannel(address, credentials, options.channelOptions);
      channels.set(address, channel);
    }
    return channel;
  };

  // Middleware order: the outermost runs first. Deadline and token apply
  // before the error mapping sees the result.
  let factory = createClientFactory().use(errorDetailsMiddleware);
  if (options.token !== undefined) factory = factory.use(tokenMiddleware(options.token));
  const deadlineMs = options.defaultDeadlineMs ?? 10_000;
  const withDeadline = factory.use(deadlineMiddleware);

  const clients = {} as Record<string, unknown>;
  for (const [name, definition] of Object.entries(definitions)) {
    clients[name] = withDeadline.create(definition, channelFor(name as ServiceName), {
      '*': { deadline: deadlineMs },
    });
  }
  clients.close = () => {
    for (const channel of channels.values()) channel.close();
  };
  return clients as ShopClients;
}
