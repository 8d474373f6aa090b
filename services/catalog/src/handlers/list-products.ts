import type { ListProductsRequest, ListProductsResponse } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { parseListRequest } from '../domain/list-request';
import { listProducts } from '../store/list-products';
import { toProduct } from '../store/product-row';
import type { CatalogDeps } from './deps';

/** listProductsHandler serves ListProducts (public): keyset pages, filters and orders (see store/list-products.ts). */
export function listProductsHandler({ db, pageTokens }: CatalogDeps) {
  return async (request: ListProductsRequest): Promise<ListProductsResponse> => {
    const query = parseListRequest(request, pageTokens);
    const page = await listProducts(db, query);
    return {
      products: page.rows.map(toProduct),
      nextPageToken: page.next === undefined ? '' : pageTokens.encode(page.next, query.fingerprint),
    };
  };
}
