import type { RequestedItem } from './place-order-request';
import { lineTotal, type OrderLine } from './types';
import { Violations } from './violations';

/** CatalogProduct is what pricing needs of a catalog product. */
export interface CatalogProduct {
  id: string;
  sku: string;
  name: string;
  price: { currencyCode: string; amountMinor: bigint };
}

/** PricedOrder is an order's lines, priced from the catalog, and its total. */
export interface PricedOrder {
  lines: OrderLine[];
  currencyCode: string;
  totalMinor: bigint;
}

/**
 * priceItems copies each product's SKU, name and price into the order's
 * lines, in the order the client sent them, and adds up the total. An order
 * has one currency: an item priced in another currency than the first one
 * is an INVALID_ARGUMENT on its product_id, as is a product without a
 * positive price. products must hold every requested id (lower case).
 */
export function priceItems(items: readonly RequestedItem[], products: ReadonlyMap<string, CatalogProduct>): PricedOrder {
  const v = new Violations();
  const lines: OrderLine[] = [];
  let currencyCode = '';
  items.forEach((item, i) => {
    const product = products.get(item.productId);
    if (product === undefined) {
      v.add(`items[${i}].product_id`, 'is not a product in the catalog');
      return;
    }
    if (product.price.amountMinor <= 0n || product.price.currencyCode === '') {
      v.add(`items[${i}].product_id`, 'has no price and cannot be ordered');
      return;
    }
    currencyCode ||= product.price.currencyCode;
    if (product.price.currencyCode !== currencyCode) {
      v.add(`items[${i}].product_id`, `is priced in ${product.price.currencyCode} but the order is in ${currencyCode}: order it separately`);
      return;
    }
    lines.push({ productId: item.productId, sku: product.sku, name: product.name, quantity: item.quantity, unitPriceMinor: product.price.amountMinor });
  });
  v.throwIfAny();
  return { lines, currencyCode, totalMinor: lines.reduce((sum, line) => sum + lineTotal(line), 0n) };
}
