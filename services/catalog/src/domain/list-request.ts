import { hashRequest, invalidArgument } from '@shop/kit';
import type { ListProductsRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { formatOrder, ORDER_BY_VALUES, parseOrderBy, type ListOrder } from './list-order';
import type { Cursor, PageTokenCodec } from './page-token';
import { foldCase } from './text';

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
 * parseListRequest reads a ListProductsRequest and decodes its page token.
 * The fields' form (a page_size of 0 or more, the category, name_contains,
 * price bounds of 0 or more with min <= max) is the contract's, enforced by
 * the runtime; order_by is parsed here. page_size 0 means DEFAULT_PAGE_SIZE
 * and values above MAX_PAGE_SIZE are lowered to it (AIP-158). The page
 * size may change from page to page: it is not part of the fingerprint.
 */
export function parseListRequest(request: ListProductsRequest, tokens: PageTokenCodec): ListQuery {
  const order = parseOrderBy(request.orderBy);
  if (order === undefined) throw invalidArgument([{ field: 'order_by', description: `must be one of ${ORDER_BY_VALUES.map((v) => `"${v}"`).join(', ')}` }]);
  const filters: ListFilters = {
    ...(request.category === '' ? {} : { category: request.category }),
    ...(request.nameContains === '' ? {} : { nameContains: foldCase(request.nameContains) }),
    ...(request.minPriceMinor === undefined ? {} : { minPriceMinor: BigInt(request.minPriceMinor).toString() }),
    ...(request.maxPriceMinor === undefined ? {} : { maxPriceMinor: BigInt(request.maxPriceMinor).toString() }),
  };
  const fingerprint = listingFingerprint(order, filters);
  const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
  const after = request.pageToken === '' ? undefined : tokens.decode(request.pageToken, fingerprint, order.key);
  return { pageSize, order, filters, fingerprint, ...(after === undefined ? {} : { after }) };
}

/** listingFingerprint is a short hash of the canonical order and filters of a listing. */
export function listingFingerprint(order: ListOrder, filters: ListFilters): string {
  return hashRequest({ order: formatOrder(order), filters }).slice(0, 32);
}
