import { status as Code } from '@grpc/grpc-js';
import { aborted, DomainError, notFound } from '@shop/kit';

/** PRODUCT_TYPE is the google.rpc.ResourceInfo resource_type of a product. */
export const PRODUCT_TYPE = 'shop.catalog.v1.Product';

/** productNotFound is NOT_FOUND for a product id, with ResourceInfo naming it. */
export function productNotFound(id: string): DomainError {
  return notFound(PRODUCT_TYPE, id);
}

/**
 * skuTaken is ALREADY_EXISTS for a SKU another product holds. ResourceInfo
 * names the product by its SKU ("sku/MUG-001"), since the new one has no id.
 */
export function skuTaken(sku: string): DomainError {
  return new DomainError(Code.ALREADY_EXISTS, 'ALREADY_EXISTS', `a product with sku ${JSON.stringify(sku)} already exists`, {
    resource: { type: PRODUCT_TYPE, name: `sku/${sku}` },
    metadata: { sku },
  });
}

/** versionConflict is ABORTED VERSION_CONFLICT: the product changed since the version the caller based its write on. */
export function versionConflict(id: string, expected: bigint, current: string): DomainError {
  return aborted('VERSION_CONFLICT', `product ${JSON.stringify(id)} is at version ${current}, not ${expected}: read it again and retry`, {
    metadata: { product_id: id, expected_version: expected.toString(), current_version: current },
  });
}
