import type { UpdateProductRequest, UpdateProductResponse } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { parseUpdateMask } from '../domain/field-mask';
import { productNotFound, versionConflict } from '../domain/product-errors';
import { appendProductEvents, updatedEvent } from '../domain/product-events';
import { validateUpdate } from '../domain/write-requests';
import { toProduct } from '../store/product-row';
import { currentVersion, updateProduct } from '../store/products';
import type { CatalogDeps } from './deps';

/**
 * updateProductHandler serves UpdateProduct (admin only): the fields named
 * in update_mask change, the version goes up by one. When the UPDATE matches
 * no row, a second read tells NOT_FOUND from ABORTED VERSION_CONFLICT.
 * ProductUpdated (with the mask's paths) is appended in the same transaction.
 */
export function updateProductHandler({ db }: CatalogDeps) {
  return async (request: UpdateProductRequest): Promise<UpdateProductResponse> => {
    const { id, changes, expectedVersion } = validateUpdate(request);
    const { paths } = parseUpdateMask(request.updateMask); // already validated above
    const product = await db.transaction(async (tx) => {
      const updated = await updateProduct(tx, id, changes, expectedVersion);
      if (updated !== undefined) {
        const after = toProduct(updated);
        await appendProductEvents(tx, [updatedEvent(after, paths)]);
        return after;
      }
      const version = await currentVersion(tx, id);
      if (version === undefined || expectedVersion === undefined) throw productNotFound(id);
      throw versionConflict(id, expectedVersion, version);
    });
    return { product };
  };
}
