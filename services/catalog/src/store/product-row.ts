import type { Product } from '@shop/sdk/ts/shop/catalog/v1/product';

/** ProductRow is a row of the products table as both backends return it (bigint as text, timestamptz as Date). */
export interface ProductRow {
  id: string;
  seq: string;
  sku: string;
  name: string;
  name_key: string;
  description: string;
  price_currency: string;
  price_minor: string;
  category: string;
  image_url: string;
  create_time: Date;
  update_time: Date;
  version: string;
}

/** PRODUCT_COLUMNS is the select list that fills a ProductRow. */
export const PRODUCT_COLUMNS =
  'id, seq, sku, name, name_key, description, price_currency, price_minor, category, image_url, create_time, update_time, version';

/** toProduct maps a row to the contract's Product. */
export function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price: { currencyCode: row.price_currency, amountMinor: BigInt(row.price_minor) },
    category: row.category,
    imageUrl: row.image_url,
    createTime: row.create_time,
    updateTime: row.update_time,
    version: BigInt(row.version),
  };
}
