/**
 * @shop/sdk: the typed client SDK of shopmesh.
 *
 * - `shop` and `google` are namespaces of every generated message, enum and
 *   service definition, for example `shop.catalog.v1.Product`.
 * - `createShopClients` is the promise API over @grpc/grpc-js.
 * - `descriptorSetPath` is the FileDescriptorSet for reflection-based tools.
 */
export { shop, google } from './ts/index';
export { createShopClients } from './lib/clients';
export type { ShopClients, ShopClientsOptions, ShopCallOptions, TokenSource } from './lib/clients';
export { ShopError, decodeErrorDetails, errorDetailsMiddleware } from './lib/errors';
export type { ErrorDetails } from './lib/errors';
export { DEFAULT_ADDRESSES } from './lib/addresses';
export type { ServiceName } from './lib/addresses';
export { descriptorSetPath, readDescriptorSet } from './lib/descriptor';
export { Status, Metadata, ChannelCredentials } from 'nice-grpc';
