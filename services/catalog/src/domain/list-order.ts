/** SortKey is what a listing is ordered by. */
export type SortKey = 'create_time' | 'name' | 'price';

/** ListOrder is a parsed ListProductsRequest.order_by. */
export interface ListOrder {
  key: SortKey;
  descending: boolean;
}

/** ORDER_BY_VALUES are the order_by values ListProducts accepts; the empty string means the first. */
export const ORDER_BY_VALUES = ['create_time', 'create_time desc', 'name', 'name desc', 'price', 'price desc'] as const;

const SORT_KEYS: readonly string[] = ['create_time', 'name', 'price'];

/**
 * parseOrderBy reads order_by: one of ORDER_BY_VALUES, with any run of
 * spaces accepted between the field and "desc" and around them. The empty
 * string is "create_time". Anything else gives undefined.
 */
export function parseOrderBy(text: string): ListOrder | undefined {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return { key: 'create_time', descending: false };
  const [field, direction, ...rest] = words;
  if (field === undefined || !SORT_KEYS.includes(field) || rest.length > 0) return undefined;
  if (direction !== undefined && direction !== 'desc') return undefined;
  return { key: field as SortKey, descending: direction === 'desc' };
}

/** formatOrder writes an order in its canonical order_by form, for example "price desc". */
export function formatOrder(order: ListOrder): string {
  return order.descending ? `${order.key} desc` : order.key;
}
