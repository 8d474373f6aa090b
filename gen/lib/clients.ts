import { credentials as grpcCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { AuthServiceDefinition } from '../ts/shop/users/v1/auth_service';
import { UserServiceDefinition } from '../ts/shop/users/v1/user_service';
import { CatalogServiceDefinition } from '../ts/shop/catalog/v1/catalog_service';
import { InventoryServiceDefinition } from '../ts/shop/inventory/v1/inventory_service';
import { OrderServiceDefinition } from '../ts/shop/orders/v1/order_service';
import { PaymentServiceDefinition } from '../ts/shop/payments/v1/payment_service';
import { ShippingServiceDefinition } from '../ts/shop/shipping/v1/shipping_service';
import { DEFAULT_ADDRESSES, type ServiceName } from './addresses';
import { createPromiseClient, type PrepareCall, type PromiseClient } from './promise-client';

/** TokenSource yields the bearer token for a call, or undefined to send none. */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** ShopClientsOptions configure createShopClients. */
export interface ShopClientsOptions {
  /** address serves every service (for example a single proxy); overrides the defaults. */
  address?: string;
  /** addresses set one service's address, for example `{ catalog: 'catalog.shop:50051' }`. */
  addresses?: Partial<Record<ServiceName, string>>;
  /** credentials: 'insecure' (plaintext, the default) or 'tls' (system roots), or grpc-js ChannelCredentials. */
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
export type ShopClients = { [K in keyof Definitions]: PromiseClient<Definitions[K]> } & {
  /** close closes every channel. */
  close(): void;
};

function toCredentials(credentials: ShopClientsOptions['credentials']): ChannelCredentials {
  if (credentials === undefined || credentials === 'insecure') return grpcCredentials.createInsecure();
  if (credentials === 'tls') return grpcCredentials.createSsl();
  return credentials;
}

/** bearerToken is a PrepareCall that adds `authorization: Bearer <token>` unless the call has one. */
export function bearerToken(token: TokenSource): PrepareCall {
  return async (call) => {
    if (call.metadata.get('authorization').length > 0) return;
    const value = typeof token === 'string' ? token : await token();
    if (value) call.metadata.set('authorization', `Bearer ${value}`);
  };
}

/**
 * createShopClients builds a promise-based client for every shopmesh service:
 *
 *   const shop = createShopClients({ token: () => session.accessToken });
 *   const { product } = await shop.catalog.getProduct({ productId });
 *
 * Requests accept partial messages (missing fields take their proto
 * defaults). Deadlines are sent to the server. Failures throw ShopError with
 * the decoded google.rpc details. Services at the same address share one
 * connection.
 */
export function createShopClients(options: ShopClientsOptions = {}): ShopClients {
  const credentials = toCredentials(options.credentials);
  const prepare = options.token === undefined ? [] : [bearerToken(options.token)];
  const clients: Record<string, { close(): void }> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    const address = options.addresses?.[name as ServiceName] ?? options.address ?? DEFAULT_ADDRESSES[name as ServiceName];
    clients[name] = createPromiseClient(definition, address, credentials, {
      defaultDeadlineMs: options.defaultDeadlineMs ?? 10_000,
      prepare,
      channelOptions: options.channelOptions,
    });
  }
  const all = Object.values(clients);
  return Object.assign(clients, {
    close() {
      for (const client of all) client.close();
    },
  }) as unknown as ShopClients;
}
