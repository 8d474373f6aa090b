import type { GetProductRequest, GetProductResponse } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { productNotFound } from '../domain/product-errors';
import { productIdOf } from '../domain/read-requests';
import { toProduct } from '../store/product-row';
import { findProduct } from '../store/products';
import type { CatalogDeps } from './deps';

/** getProductHandler serves GetProduct (public): NOT_FOUND for an unknown id, INVALID_ARGUMENT for one that is not a UUID. */
export function getProductHandler({ db }: CatalogDeps) {
  return async (request: GetProductRequest): Promise<GetProductResponse> => {
    const id = productIdOf(request);
    const row = await findProduct(db, id);
    if (row === undefined) throw productNotFound(id);
    return { product: toProduct(row) };
  };
}
