import type { DeleteProductRequest, DeleteProductResponse } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { productNotFound, versionConflict } from '../domain/product-errors';
import { appendProductEvents, deletedEvent } from '../domain/product-events';
import { validateDelete } from '../domain/write-requests';
import { currentVersion, deleteProduct } from '../store/products';
import type { CatalogDeps } from './deps';

/** deleteProductHandler serves DeleteProduct (admin only): NOT_FOUND for an unknown id, ABORTED VERSION_CONFLICT when a version is sent and differs; ProductDeleted is appended in the deleting transaction. */
export function deleteProductHandler({ db }: CatalogDeps) {
  return async (request: DeleteProductRequest): Promise<DeleteProductResponse> => {
    const { id, expectedVersion } = validateDelete(request);
    await db.transaction(async (tx) => {
      const deleted = await deleteProduct(tx, id, expectedVersion);
      if (deleted !== undefined) {
        await appendProductEvents(tx, [deletedEvent(id, deleted.sku)]);
        return;
      }
      const version = await currentVersion(tx, id);
      if (version === undefined || expectedVersion === undefined) throw productNotFound(id);
      throw versionConflict(id, expectedVersion, version);
    });
    return {};
  };
}
