import type { GetProductResponse } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';

/** PRODUCT is what every server answers, in the ts-proto form grpc-js serialises. */
export const PRODUCT: GetProductResponse = {
  product: {
    id: '3f2b6c1e-5d4a-4b7c-9e8f-1a2b3c4d5e6f',
    sku: 'MUG-001',
    name: 'Stoneware Mug',
    description: 'A 350 ml mug glazed in deep blue, dishwasher safe.',
    price: { currencyCode: 'EUR', amountMinor: 1299n },
    category: 'kitchen',
    imageUrl: 'https://images.shop.example/mug.jpg',
    createTime: new Date(1_700_000_000_000),
    updateTime: new Date(1_700_000_123_456),
    version: 3n,
  },
};
