import type { Queryable } from '@shop/kit';
import type { SortKey } from '../domain/list-order';
import type { ListQuery } from '../domain/list-request';
import type { Cursor } from '../domain/page-token';
import { PRODUCT_COLUMNS, type ProductRow } from './product-row';

/** ProductPage is one page of a listing and the cursor of its last product when more follow. */
export interface ProductPage {
  rows: ProductRow[];
  next?: Cursor;
}

/**
 * KEYS maps each sort key to its column and the cast for the cursor
 * parameter. "create_time" sorts by seq, the creation sequence: it is
 * unique, so it needs no tiebreak, and a product inserted while a client
 * pages always sorts after every product already there. name and price are
 * not unique, so ties are broken by id.
 */
const KEYS: Record<SortKey, { column: string; param: (n: number) => string; tiebreak: boolean }> = {
  create_time: { column: 'seq', param: (n) => `$${n}::bigint`, tiebreak: false },
  name: { column: 'name_key', param: (n) => `$${n}::text COLLATE "C"`, tiebreak: true },
  price: { column: 'price_minor', param: (n) => `$${n}::bigint`, tiebreak: true },
};

/** cursorOf is the keyset position of a row in a listing sorted by sortKey. */
export function cursorOf(row: ProductRow, sortKey: SortKey): Cursor {
  const key = sortKey === 'create_time' ? row.seq : sortKey === 'name' ? row.name_key : row.price_minor;
  return { key, id: row.id };
}

/**
 * listProducts reads one page with keyset pagination: the page starts
 * strictly after the cursor, `WHERE (key, id) > ($k, $i) ORDER BY key, id
 * LIMIT page_size + 1` (with < and DESC for descending orders), and the
 * extra row only says whether another page follows. No OFFSET, so rows
 * inserted or deleted before the cursor cannot shift what the next page
 * returns: a product that exists for the whole listing is returned exactly
 * once. Each order has an index ending in the same columns.
 */
export async function listProducts(q: Queryable, query: ListQuery): Promise<ProductPage> {
  const { column, param, tiebreak } = KEYS[query.order.key];
  const params: unknown[] = [];
  const add = (value: unknown): number => params.push(value);
  const where: string[] = [];
  const { filters } = query;
  if (filters.category !== undefined) where.push(`category = $${add(filters.category)}`);
  if (filters.nameContains !== undefined) where.push(`name_key LIKE $${add(`%${escapeLike(filters.nameContains)}%`)} ESCAPE '\\'`);
  if (filters.minPriceMinor !== undefined) where.push(`price_minor >= $${add(filters.minPriceMinor)}::bigint`);
  if (filters.maxPriceMinor !== undefined) where.push(`price_minor <= $${add(filters.maxPriceMinor)}::bigint`);

  const comparison = query.order.descending ? '<' : '>';
  const direction = query.order.descending ? 'DESC' : 'ASC';
  if (query.after !== undefined) {
    const key = param(add(query.after.key));
    where.push(tiebreak ? `(${column}, id) ${comparison} (${key}, $${add(query.after.id)}::uuid)` : `${column} ${comparison} ${key}`);
  }
  const orderBy = tiebreak ? `${column} ${direction}, id ${direction}` : `${column} ${direction}`;
  const limit = add(query.pageSize + 1);
  const { rows } = await q.query<ProductRow>(
    `SELECT ${PRODUCT_COLUMNS} FROM products
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${orderBy}
     LIMIT $${limit}`,
    params,
  );
  if (rows.length <= query.pageSize) return { rows };
  const page = rows.slice(0, query.pageSize);
  return { rows: page, next: cursorOf(page[page.length - 1]!, query.order.key) };
}

/** escapeLike makes every character of text match itself in a LIKE pattern with ESCAPE '\'. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
