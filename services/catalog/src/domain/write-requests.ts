import { invalidArgument, type FieldViolation } from '@shop/kit';
import type { CreateProductRequest, DeleteProductRequest, UpdateProductRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import type { Product } from '@shop/sdk/ts/shop/catalog/v1/product';
import { parseUpdateMask, type UpdatablePath } from './field-mask';
import { checkProductId } from './product-id';
import { checkCategory, checkDescription, checkImageUrl, checkName, checkPrice, checkSku, parseInt64 } from './product-rules';
import { codePoints, hasControl } from './text';
import type { ExpectedVersion, ProductChanges, ProductFields } from './types';

/** REQUEST_ID_MAX is the longest request_id (idempotency key) CreateProduct accepts, in characters. */
export const REQUEST_ID_MAX = 128;

/** ValidCreate is a CreateProductRequest that passed validation. */
export interface ValidCreate {
  fields: ProductFields;
  /** requestId is the idempotency key, absent when the client sent none. */
  requestId?: string;
}

/**
 * validateCreate checks a CreateProductRequest and reports every invalid
 * field in one INVALID_ARGUMENT. The product's id, version and times are
 * ignored, as the contract says: the server assigns them.
 */
export function validateCreate(request: CreateProductRequest): ValidCreate {
  const violations: FieldViolation[] = [];
  const product = request.product;
  if (product === undefined) violations.push({ field: 'product', description: 'is required' });
  else {
    violations.push(
      ...checkSku(product.sku, 'product.sku'),
      ...checkName(product.name, 'product.name'),
      ...checkDescription(product.description, 'product.description'),
      ...checkPrice(product.price, 'product.price'),
      ...checkCategory(product.category, 'product.category'),
      ...checkImageUrl(product.imageUrl, 'product.image_url'),
    );
  }
  violations.push(...checkRequestId(request.requestId));
  if (violations.length > 0 || product === undefined || product.price === undefined) throw invalidArgument(violations);
  return {
    fields: {
      sku: product.sku,
      name: product.name,
      description: product.description,
      price: { currencyCode: product.price.currencyCode, amountMinor: product.price.amountMinor },
      category: product.category,
      imageUrl: product.imageUrl,
    },
    ...(request.requestId === '' ? {} : { requestId: request.requestId }),
  };
}

function checkRequestId(requestId: string): FieldViolation[] {
  if (codePoints(requestId) > REQUEST_ID_MAX) return [{ field: 'request_id', description: `must be at most ${REQUEST_ID_MAX} characters` }];
  if (hasControl(requestId)) return [{ field: 'request_id', description: 'must not contain control characters' }];
  return [];
}

/** ValidUpdate is an UpdateProductRequest that passed validation. */
export interface ValidUpdate {
  id: string;
  changes: ProductChanges;
  expectedVersion: ExpectedVersion;
}

/**
 * validateUpdate checks an UpdateProductRequest: the id, the mask (see
 * parseUpdateMask), the new value of every masked field with the same rules
 * as CreateProduct, and the version. Fields outside the mask are ignored
 * whatever they hold, as AIP-134 asks.
 */
export function validateUpdate(request: UpdateProductRequest): ValidUpdate {
  const violations: FieldViolation[] = [];
  const product = request.product;
  if (product === undefined) violations.push({ field: 'product', description: 'is required' });
  const id = checkProductId(product?.id, 'product.id');
  if ('violation' in id) violations.push(id.violation);
  const mask = parseUpdateMask(request.updateMask);
  violations.push(...mask.violations);
  const version = checkExpectedVersion(product?.version ?? '0', 'product.version');
  if ('violation' in version) violations.push(version.violation);
  const changes = product === undefined ? {} : collectChanges(product, mask.paths, violations);
  if (violations.length > 0 || 'violation' in id || 'violation' in version) throw invalidArgument(violations);
  return { id: id.id, changes, expectedVersion: version.version };
}

function collectChanges(product: Product, paths: readonly UpdatablePath[], violations: FieldViolation[]): ProductChanges {
  const changes: ProductChanges = {};
  for (const path of paths) {
    switch (path) {
      case 'name':
        violations.push(...checkName(product.name, 'product.name'));
        changes.name = product.name;
        break;
      case 'description':
        violations.push(...checkDescription(product.description, 'product.description'));
        changes.description = product.description;
        break;
      case 'price': {
        const found = checkPrice(product.price, 'product.price');
        violations.push(...found);
        if (product.price !== undefined) changes.price = { currencyCode: product.price.currencyCode, amountMinor: product.price.amountMinor };
        break;
      }
      case 'category':
        violations.push(...checkCategory(product.category, 'product.category'));
        changes.category = product.category;
        break;
      case 'image_url':
        violations.push(...checkImageUrl(product.imageUrl, 'product.image_url'));
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

/** validateDelete checks a DeleteProductRequest's id and optional version. */
export function validateDelete(request: DeleteProductRequest): ValidDelete {
  const id = checkProductId(request.productId, 'product_id');
  const version = checkExpectedVersion(request.version, 'version');
  const violations = [...('violation' in id ? [id.violation] : []), ...('violation' in version ? [version.violation] : [])];
  if ('violation' in id || 'violation' in version) throw invalidArgument(violations);
  return { id: id.id, expectedVersion: version.version };
}

/** checkExpectedVersion reads a version a write is based on: 0 means "no check", a negative one is invalid. */
export function checkExpectedVersion(text: string, field: string): { version: ExpectedVersion } | { violation: FieldViolation } {
  const value = parseInt64(text);
  if (value === undefined || value < 0n) return { violation: { field, description: 'must be 0 (no check) or the version the change is based on' } };
  return { version: value === 0n ? undefined : value };
}
