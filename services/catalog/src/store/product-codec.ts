import type { IdempotencyCodec } from '@shop/kit';
import { Product } from '@shop/sdk/ts/shop/catalog/v1/product';

/**
 * productCodec stores a created product as the idempotent response of
 * CreateProduct in the contract's JSON form (int64 as strings, times as
 * RFC 3339), read back with the same generated code, so a replay answers
 * exactly what the first call did.
 */
export const productCodec: IdempotencyCodec<Product> = {
  encode: (product) => Product.toJSON(product),
  decode: (stored) => Product.fromJSON(stored),
};
