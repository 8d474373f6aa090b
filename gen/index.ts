/**
 * @shop/sdk: the typed client SDK of shopmesh.
 *
 * - `shop` and `google` are namespaces of every generated message, enum and
 *   service definition, for example `shop.catalog.v1.Product`.
 * - `createShopClients` is the promise API over @grpc/grpc-js;
 *   `createPromiseClient` makes one for any single service definition.
 * - `descriptorSetPath` is the FileDescriptorSet for reflection-based tools.
 */
export { shop, google } from './ts/index';
export { createShopClients, bearerToken } from './lib/clients';
export type { ShopClients, ShopClientsOptions, TokenSource } from './lib/clients';
export { createPromiseClient } from './lib/promise-client';
export type {
  CallOptions,
  DeepPartial,
  MessageType,
  MethodDefinition,
  OutgoingCall,
  PrepareCall,
  PromiseClient,
  PromiseClientOptions,
  ServiceDefinition,
} from './lib/promise-client';
export { ShopError, decodeErrorDetails, toShopError } from './lib/errors';
export type { ErrorDetails } from './lib/errors';
export { durationFromMs, durationToMs } from './lib/time';
export { DEFAULT_ADDRESSES } from './lib/addresses';
export type { ServiceName } from './lib/addresses';
export { descriptorSetPath, readDescriptorSet } from './lib/descriptor';
export { Metadata, status as Status, credentials } from '@grpc/grpc-js';
