import type { Queryable } from '@shop/kit';
import { foldCase } from '../domain/text';
import type { ExpectedVersion, ProductChanges, ProductFields } from '../domain/types';
import { PRODUCT_COLUMNS, type ProductRow } from './product-row';

/**
 * The products repository: one function per statement, each taking the
 * Queryable to run on, so a handler composes them in one transaction (and
 * the outbox insert of a later change joins the same transaction).
 */

/**
 * insertProduct adds a product with version 1 and returns it, or undefined
 * when its SKU is taken (ON CONFLICT rather than catching the unique
 * violation, which would abort a PostgreSQL transaction). With
 * ignoreExistingId, a product whose id exists is skipped too (demo data).
 */
export async function insertProduct(
  q: Queryable,
  id: string,
  fields: ProductFields,
  { ignoreExistingId = false }: { ignoreExistingId?: boolean } = {},
): Promise<ProductRow | undefined> {
  const { rows } = await q.query<ProductRow>(
    `INSERT INTO products (id, sku, name, name_key, description, price_currency, price_minor, category, image_url)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT ${ignoreExistingId ? '' : '(sku) '}DO NOTHING
     RETURNING ${PRODUCT_COLUMNS}`,
    [
      id,
      fields.sku,
      fields.name,
      foldCase(fields.name),
      fields.description,
      fields.price.currencyCode,
      fields.price.amountMinor,
      fields.category,
      fields.imageUrl,
    ],
  );
  return rows[0];
}

/** findProduct returns the product with id, or undefined. */
export async function findProduct(q: Queryable, id: string): Promise<ProductRow | undefined> {
  const { rows } = await q.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`, [id]);
  return rows[0];
}

/** findProducts returns the products among ids that exist, by id. */
export async function findProducts(q: Queryable, ids: readonly string[]): Promise<Map<string, ProductRow>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  // One placeholder per id rather than an array parameter: both backends
  // bind scalars the same way.
  const placeholders = unique.map((_, i) => `$${i + 1}`).join(', ');
  const { rows } = await q.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id IN (${placeholders})`, unique);
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * updateProduct writes changes, bumps the version and update_time, and
 * returns the new row; undefined when no row matched: the id is unknown or,
 * with an expected version, the product is at another version. The version
 * check is in the UPDATE's WHERE clause, so of two concurrent updates based
 * on the same version exactly one matches: on PostgreSQL the second waits
 * for the first's row lock and re-checks the condition against the
 * committed row; on PGlite transactions run one at a time.
 */
export async function updateProduct(q: Queryable, id: string, changes: ProductChanges, expected: ExpectedVersion): Promise<ProductRow | undefined> {
  const params: unknown[] = [id];
  const sets: string[] = [];
  const set = (column: string, value: unknown): void => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (changes.name !== undefined) {
    set('name', changes.name);
    set('name_key', foldCase(changes.name));
  }
  if (changes.description !== undefined) set('description', changes.description);
  if (changes.price !== undefined) {
    set('price_currency', changes.price.currencyCode);
    set('price_minor', changes.price.amountMinor);
  }
  if (changes.category !== undefined) set('category', changes.category);
  if (changes.imageUrl !== undefined) set('image_url', changes.imageUrl);
  let where = 'id = $1';
  if (expected !== undefined) {
    params.push(expected.toString());
    where += ` AND version = $${params.length}`;
  }
  const { rows } = await q.query<ProductRow>(
    `UPDATE products SET ${[...sets, 'version = version + 1', 'update_time = now()'].join(', ')}
     WHERE ${where}
     RETURNING ${PRODUCT_COLUMNS}`,
    params,
  );
  return rows[0];
}

/** deleteProduct removes the product and returns its sku, or undefined when no row matched (see updateProduct for the version check). */
export async function deleteProduct(q: Queryable, id: string, expected: ExpectedVersion): Promise<{ sku: string } | undefined> {
  const { rows } =
    expected === undefined
      ? await q.query<{ sku: string }>('DELETE FROM products WHERE id = $1 RETURNING sku', [id])
      : await q.query<{ sku: string }>('DELETE FROM products WHERE id = $1 AND version = $2 RETURNING sku', [id, expected.toString()]);
  return rows[0];
}

/** currentVersion returns the product's version, or undefined when it does not exist: it tells NOT_FOUND from a version conflict after a write matched nothing. */
export async function currentVersion(q: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ version: string }>('SELECT version FROM products WHERE id = $1', [id]);
  return rows[0]?.version;
}

/** hasProducts tells whether the catalog holds any product. */
export async function hasProducts(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM products) AS found');
  return rows[0]?.found === true;
}
