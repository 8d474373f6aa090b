import { hashRequest, invalidArgument, type FieldViolation } from '@shop/kit';
import type { ListProductsRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { formatOrder, ORDER_BY_VALUES, parseOrderBy, type ListOrder } from './list-order';
import type { Cursor, PageTokenCodec } from './page-token';
import { checkCategory, LIMITS, parseInt64 } from './product-rules';
import { codePoints, foldCase, hasControl } from './text';

/** DEFAULT_PAGE_SIZE is the page size when the request sets none. */
export const DEFAULT_PAGE_SIZE = 20;
/** MAX_PAGE_SIZE is the largest page; a larger page_size is lowered to it. */
export const MAX_PAGE_SIZE = 100;

/** ListFilters are ListProducts' filters, validated; an absent one keeps every product. */
export interface ListFilters {
  category?: string;
  /** nameContains is folded to lower case, like the stored name key it is matched against. */
  nameContains?: string;
  minPriceMinor?: string;
  maxPriceMinor?: string;
}

/** ListQuery is a validated ListProductsRequest. */
export interface ListQuery {
  pageSize: number;
  order: ListOrder;
  filters: ListFilters;
  /** after is the cursor from page_token: the page starts strictly after it. Absent on the first page. */
  after?: Cursor;
  /** fingerprint identifies the filters and order; page tokens carry it, so they only continue the listing they came from. */
  fingerprint: string;
}

/**
 * parseListRequest validates a ListProductsRequest and decodes its page
 * token. page_size 0 means DEFAULT_PAGE_SIZE and values above MAX_PAGE_SIZE
 * are lowered to it (AIP-158); a negative one is INVALID_ARGUMENT. The page
 * size may change from page to page: it is not part of the fingerprint.
 */
export function parseListRequest(request: ListProductsRequest, tokens: PageTokenCodec): ListQuery {
  const violations: FieldViolation[] = [];
  if (request.pageSize < 0) violations.push({ field: 'page_size', description: 'must not be negative' });
  const order = parseOrderBy(request.orderBy);
  if (order === undefined) violations.push({ field: 'order_by', description: `must be one of ${ORDER_BY_VALUES.map((v) => `"${v}"`).join(', ')}` });
  violations.push(...checkCategory(request.category, 'category'));
  if (codePoints(request.nameContains) > LIMITS.nameMax) violations.push({ field: 'name_contains', description: `must be at most ${LIMITS.nameMax} characters` });
  else if (hasControl(request.nameContains)) violations.push({ field: 'name_contains', description: 'must not contain control characters' });
  const min = checkPriceBound(request.minPriceMinor, 'min_price_minor', violations);
  const max = checkPriceBound(request.maxPriceMinor, 'max_price_minor', violations);
  if (min !== undefined && max !== undefined && min > max) violations.push({ field: 'min_price_minor', description: 'must not be greater than max_price_minor' });
  if (violations.length > 0 || order === undefined) throw invalidArgument(violations);

  const filters: ListFilters = {
    ...(request.category === '' ? {} : { category: request.category }),
    ...(request.nameContains === '' ? {} : { nameContains: foldCase(request.nameContains) }),
    ...(min === undefined ? {} : { minPriceMinor: min.toString() }),
    ...(max === undefined ? {} : { maxPriceMinor: max.toString() }),
  };
  const fingerprint = listingFingerprint(order, filters);
  const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
  const after = request.pageToken === '' ? undefined : tokens.decode(request.pageToken, fingerprint, order.key);
  return { pageSize, order, filters, fingerprint, ...(after === undefined ? {} : { after }) };
}

function checkPriceBound(text: string | undefined, field: string, violations: FieldViolation[]): bigint | undefined {
  if (text === undefined) return undefined;
  const value = parseInt64(text);
  if (value === undefined || value < 0n) {
    violations.push({ field, description: 'must be a whole number of minor units, not negative' });
    return undefined;
  }
  return value;
}

/** listingFingerprint is a short hash of the canonical order and filters of a listing. */
export function listingFingerprint(order: ListOrder, filters: ListFilters): string {
  return hashRequest({ order: formatOrder(order), filters }).slice(0, 32);
}
