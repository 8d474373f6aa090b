import { randomUUID } from 'node:crypto';
import { hashRequest, runIdempotent, type CallContext, type Queryable } from '@shop/kit';
import type { CreateProductRequest, CreateProductResponse } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import type { Product } from '@shop/sdk/ts/shop/catalog/v1/product';
import { skuTaken } from '../domain/product-errors';
import { appendProductEvents, createdEvent } from '../domain/product-events';
import type { ProductFields } from '../domain/types';
import { validateCreate } from '../domain/write-requests';
import { productCodec } from '../store/product-codec';
import { toProduct } from '../store/product-row';
import { insertProduct } from '../store/products';
import type { CatalogDeps } from './deps';

/**
 * createProductHandler serves CreateProduct (admin only, enforced by the
 * runtime). With a request_id the call is idempotent per admin: the key is
 * claimed in the same transaction as the insert, a retry with the same body
 * gets the first call's product, one with another body ALREADY_EXISTS
 * IDEMPOTENCY_KEY_REUSED (the runtime maps the kit's conflict error).
 */
export function createProductHandler({ db }: CatalogDeps) {
  return async (request: CreateProductRequest, ctx: CallContext): Promise<CreateProductResponse> => {
    const { fields, requestId } = validateCreate(request);
    const create = (tx: Queryable) => createProduct(tx, fields);
    if (requestId === undefined) return { product: await db.transaction(create) };
    // Keys are scoped per user, so two admins picking the same key do not collide.
    const scope = `CreateProduct/${ctx.user?.userId ?? ''}`;
    const { result } = await runIdempotent(db, { scope, key: requestId, requestHash: hashRequest(fields) }, create, productCodec);
    return { product: result };
  };
}

async function createProduct(tx: Queryable, fields: ProductFields): Promise<Product> {
  const row = await insertProduct(tx, randomUUID(), fields);
  if (row === undefined) throw skuTaken(fields.sku);
  const product = toProduct(row);
  // Same transaction as the insert (and the idempotency key): a replayed request runs nothing, so it appends nothing.
  await appendProductEvents(tx, [createdEvent(product)]);
  return product;
}
