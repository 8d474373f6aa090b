import type { ServiceImplementation } from '@shop/kit';
import type { CatalogServiceDefinition } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { batchGetProductsHandler } from './batch-get-products';
import { createProductHandler } from './create-product';
import type { CatalogDeps } from './deps';
import { deleteProductHandler } from './delete-product';
import { getProductHandler } from './get-product';
import { listProductsHandler } from './list-products';
import { updateProductHandler } from './update-product';

export type { CatalogDeps } from './deps';

/** createCatalogHandlers implements every CatalogService RPC over deps. */
export function createCatalogHandlers(deps: CatalogDeps): ServiceImplementation<typeof CatalogServiceDefinition> {
  return {
    createProduct: createProductHandler(deps),
    getProduct: getProductHandler(deps),
    batchGetProducts: batchGetProductsHandler(deps),
    listProducts: listProductsHandler(deps),
    updateProduct: updateProductHandler(deps),
    deleteProduct: deleteProductHandler(deps),
  };
}
