import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDemoProducts } from './seed';

const demoFile = path.join(__dirname, '..', '..', '..', 'demo', 'shop.json');

describe('loadDemoProducts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'catalog-seed-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the products of the demo file with their fixed ids, leaving stock to inventory', async () => {
    const products = await loadDemoProducts(demoFile);
    expect(products.length).toBeGreaterThan(0);
    expect(products[0]).toEqual({
      id: '69040c33-5c8e-59b0-9032-bc23eb34ff6a',
      fields: {
        sku: 'MUG-001',
        name: 'Stoneware Mug',
        description: 'A 350 ml mug glazed in deep blue.',
        price: { currencyCode: 'EUR', amountMinor: '1299' },
        category: 'kitchen',
        imageUrl: 'https://images.shop.example/mug-001.jpg',
      },
    });
  });

  it('stops with the product and field named when a product breaks a rule', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ products: [{ id: '69040c33-5c8e-59b0-9032-bc23eb34ff6a', sku: 'BAD-1', name: 'x', price: { currencyCode: 'EUR', amountMinor: '-1' } }] }),
    );
    await expect(loadDemoProducts(file)).rejects.toThrow(/products\[0\] \(BAD-1\): product\.price: amount_minor/);
  });
});
