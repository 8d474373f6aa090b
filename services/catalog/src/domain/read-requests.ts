import type { BatchGetProductsRequest, GetProductRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';

// The ids' form (UUIDs, 1 to 100 of them) is the contract's, enforced by
// the runtime before a handler runs.

/** productIdOf returns GetProduct's product id in lower case, as the database prints it. */
export function productIdOf(request: GetProductRequest): string {
  return request.productId.toLowerCase();
}

/** productIdsOf returns BatchGetProducts' ids in lower case and in the order asked, duplicates kept (the response repeats them). */
export function productIdsOf(request: BatchGetProductsRequest): string[] {
  return request.productIds.map((id) => id.toLowerCase());
}
