import { invalidArgument, type FieldViolation } from '@shop/kit';
import type { BatchGetProductsRequest, GetProductRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { checkProductId } from './product-id';

/** BATCH_GET_MAX is the most ids one BatchGetProducts call may ask for. */
export const BATCH_GET_MAX = 100;

/** validateGet returns GetProduct's product id in lower case, or throws INVALID_ARGUMENT. */
export function validateGet(request: GetProductRequest): string {
  const id = checkProductId(request.productId, 'product_id');
  if ('violation' in id) throw invalidArgument([id.violation]);
  return id.id;
}

/**
 * validateBatchGet returns BatchGetProducts' ids in lower case and in the
 * order asked, duplicates kept (the response repeats them), or throws
 * INVALID_ARGUMENT naming each bad entry.
 */
export function validateBatchGet(request: BatchGetProductsRequest): string[] {
  const ids = request.productIds;
  if (ids.length === 0) throw invalidArgument([{ field: 'product_ids', description: 'must hold at least one id' }]);
  if (ids.length > BATCH_GET_MAX) throw invalidArgument([{ field: 'product_ids', description: `must hold at most ${BATCH_GET_MAX} ids` }]);
  const violations: FieldViolation[] = [];
  const out: string[] = [];
  ids.forEach((raw, i) => {
    const id = checkProductId(raw, `product_ids[${i}]`);
    if ('violation' in id) violations.push(id.violation);
    else out.push(id.id);
  });
  if (violations.length > 0) throw invalidArgument(violations);
  return out;
}
