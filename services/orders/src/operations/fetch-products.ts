import { status as Code } from '@grpc/grpc-js';
import { DomainError, invalidArgument, type FieldViolation } from '@shop/kit';
import { ShopError } from '@shop/sdk/lib/errors';
import type { RequestedItem } from '../domain/place-order-request';
import type { CatalogProduct } from '../domain/pricing';
import type { OrdersDeps } from './deps';

/**
 * fetchProducts reads the requested products from the catalog with
 * BatchGetProducts, so prices come from the catalog and never from the
 * client. The catalog answers NOT_FOUND naming the first unknown id; that id
 * is set aside and the rest asked again, so the caller learns every unknown
 * product at once: INVALID_ARGUMENT with one violation per unknown
 * items[i].product_id. A catalog that does not answer is UNAVAILABLE; the
 * client may retry with the same idempotency key (nothing was stored).
 */
export async function fetchProducts(deps: Pick<OrdersDeps, 'catalog'>, items: readonly RequestedItem[]): Promise<Map<string, CatalogProduct>> {
  const unknown = new Set<string>();
  let ids = items.map((i) => i.productId);
  const found = new Map<string, CatalogProduct>();
  while (ids.length > 0) {
    try {
      const { products } = await deps.catalog.batchGetProducts({ productIds: ids });
      for (const p of products) {
        found.set(p.id.toLowerCase(), {
          id: p.id.toLowerCase(),
          sku: p.sku,
          name: p.name,
          price: { currencyCode: p.price?.currencyCode ?? '', amountMinor: BigInt(p.price?.amountMinor ?? '0') },
        });
      }
      break;
    } catch (err) {
      const missing = err instanceof ShopError && err.code === Code.NOT_FOUND ? err.errorDetails.resourceInfo?.resourceName.toLowerCase() : undefined;
      if (missing === undefined || !ids.includes(missing)) throw catalogFailure(err);
      unknown.add(missing);
      ids = ids.filter((id) => id !== missing);
    }
  }
  if (unknown.size > 0) {
    const violations: FieldViolation[] = [];
    items.forEach((item, i) => {
      if (unknown.has(item.productId)) violations.push({ field: `items[${i}].product_id`, description: 'is not a product in the catalog' });
    });
    throw invalidArgument(violations);
  }
  return found;
}

const TRANSIENT = new Set<number>([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.RESOURCE_EXHAUSTED, Code.ABORTED, Code.CANCELLED]);

/** catalogFailure: a catalog that does not answer is UNAVAILABLE (retry later); anything else is our bug, INTERNAL. */
function catalogFailure(cause: unknown): unknown {
  if (!(cause instanceof ShopError) || !TRANSIENT.has(cause.code)) return cause;
  return new DomainError(Code.UNAVAILABLE, 'UNSPECIFIED', 'the catalog could not be reached to price the order; retry with the same idempotency key', { retryAfterMs: 1000 }, { cause });
}
