import { invalidArgument, type FieldViolation } from '@shop/kit';
import type { CreateProductRequest, DeleteProductRequest, UpdateProductRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import type { Product } from '@shop/sdk/ts/shop/catalog/v1/product';
import { parseUpdateMask, type UpdatablePath } from './field-mask';
import type { ExpectedVersion, ProductChanges, ProductFields } from './types';

// Each field's form, the fields a new product needs, the id an update names
// and the fields an update may not empty are rules of the contract
// (proto/shop/catalog/v1, buf.validate), enforced by the runtime before a
// handler runs. What is left here is the update mask and reading the request.

/** ValidCreate is a CreateProductRequest that passed validation. */
export interface ValidCreate {
  fields: ProductFields;
  /** requestId is the idempotency key, absent when the client sent none. */
  requestId?: string;
}

/**
 * validateCreate reads a CreateProductRequest the contract found valid. The
 * product's id, version and times are ignored, as the contract says: the
 * server assigns them.
 */
export function validateCreate(request: CreateProductRequest): ValidCreate {
  const product = request.product;
  if (product === undefined || product.price === undefined) throw invalidArgument([{ field: product === undefined ? 'product' : 'product.price', description: 'value is required' }]);
  return {
    fields: {
      sku: product.sku,
      name: product.name,
      description: product.description,
      price: { currencyCode: product.price.currencyCode, amountMinor: String(product.price.amountMinor) },
      category: product.category,
      imageUrl: product.imageUrl,
    },
    ...(request.requestId === '' ? {} : { requestId: request.requestId }),
  };
}

/** ValidUpdate is an UpdateProductRequest that passed validation. */
export interface ValidUpdate {
  id: string;
  changes: ProductChanges;
  expectedVersion: ExpectedVersion;
}

/**
 * validateUpdate checks an UpdateProductRequest's mask (see
 * parseUpdateMask) and reads the changes it names. Fields outside the mask
 * are ignored whatever they hold, as AIP-134 asks.
 */
export function validateUpdate(request: UpdateProductRequest): ValidUpdate {
  const violations: FieldViolation[] = [];
  const product = request.product;
  if (product === undefined) violations.push({ field: 'product', description: 'value is required' });
  const mask = parseUpdateMask(request.updateMask);
  violations.push(...mask.violations);
  if (violations.length > 0 || product === undefined) throw invalidArgument(violations);
  return { id: product.id.toLowerCase(), changes: changesOf(product, mask.paths), expectedVersion: expectedVersion(String(product.version)) };
}

function changesOf(product: Product, paths: readonly UpdatablePath[]): ProductChanges {
  const changes: ProductChanges = {};
  for (const path of paths) {
    switch (path) {
      case 'name':
        changes.name = product.name;
        break;
      case 'description':
        changes.description = product.description;
        break;
      case 'price':
        if (product.price !== undefined) changes.price = { currencyCode: product.price.currencyCode, amountMinor: String(product.price.amountMinor) };
        break;
      case 'category':
        changes.category = product.category;
        break;
      case 'image_url':
        changes.imageUrl = product.imageUrl;
        break;
    }
  }
  return changes;
}

/** ValidDelete is a DeleteProductRequest that passed validation. */
export interface ValidDelete {
  id: string;
  expectedVersion: ExpectedVersion;
}

/** validateDelete reads a DeleteProductRequest the contract found valid (a UUID, a version of 0 or more). */
export function validateDelete(request: DeleteProductRequest): ValidDelete {
  return { id: request.productId.toLowerCase(), expectedVersion: expectedVersion(String(request.version)) };
}

/** expectedVersion reads the version a write is based on (0 or more, by the contract): 0 means "no check". */
export function expectedVersion(text: string): ExpectedVersion {
  const value = BigInt(text);
  return value === 0n ? undefined : value;
}
