import { DomainError } from '@shop/kit';
import { priceItems, type CatalogProduct } from './pricing';

function product(id: string, amountMinor: bigint, currencyCode = 'EUR'): CatalogProduct {
  return { id, sku: `SKU-${id}`, name: `Product ${id}`, price: { currencyCode, amountMinor } };
}

describe('priceItems', () => {
  it('copies SKU, name and price of each product in the order sent and adds up the total', () => {
    const products = new Map([
      ['a', product('a', 1299n)],
      ['b', product('b', 4990n)],
    ]);
    const priced = priceItems(
      [
        { productId: 'b', quantity: 1n },
        { productId: 'a', quantity: 3n },
      ],
      products,
    );
    expect(priced.lines.map((l) => [l.productId, l.sku, l.name, l.quantity, l.unitPriceMinor])).toEqual([
      ['b', 'SKU-b', 'Product b', 1n, 4990n],
      ['a', 'SKU-a', 'Product a', 3n, 1299n],
    ]);
    expect(priced).toMatchObject({ currencyCode: 'EUR', totalMinor: 4990n + 3n * 1299n });
  });

  it('refuses a second currency on the item that brings it, and a product without a price', () => {
    const products = new Map([
      ['a', product('a', 100n)],
      ['b', product('b', 100n, 'USD')],
      ['c', product('c', 0n)],
    ]);
    const err = (() => {
      try {
        priceItems(
          [
            { productId: 'a', quantity: 1n },
            { productId: 'b', quantity: 1n },
            { productId: 'c', quantity: 1n },
          ],
          products,
        );
      } catch (e) {
        return e as DomainError;
      }
      throw new Error('expected INVALID_ARGUMENT');
    })();
    expect(err.details.fieldViolations?.map((v) => v.field)).toEqual(['items[1].product_id', 'items[2].product_id']);
  });
});
