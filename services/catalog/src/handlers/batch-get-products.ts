import type { BatchGetProductsRequest, BatchGetProductsResponse } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { productNotFound } from '../domain/product-errors';
import { productIdsOf } from '../domain/read-requests';
import { toProduct } from '../store/product-row';
import { findProducts } from '../store/products';
import type { CatalogDeps } from './deps';

/**
 * batchGetProductsHandler serves BatchGetProducts (public): one query, the
 * products in the order asked (a repeated id is returned each time), and
 * NOT_FOUND naming the first unknown id if any is unknown.
 */
export function batchGetProductsHandler({ db }: CatalogDeps) {
  return async (request: BatchGetProductsRequest): Promise<BatchGetProductsResponse> => {
    const ids = productIdsOf(request);
    const found = await findProducts(db, ids);
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) throw productNotFound(missing);
    return { products: ids.map((id) => toProduct(found.get(id)!)) };
  };
}
