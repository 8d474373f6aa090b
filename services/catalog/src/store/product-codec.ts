import type { IdempotencyCodec } from '@shop/kit';
import type { Product } from '@shop/sdk/ts/shop/catalog/v1/product';

type StoredProduct = Omit<Product, 'createTime' | 'updateTime'> & { createTime?: string; updateTime?: string };

/**
 * productCodec stores a created product as the idempotent response of
 * CreateProduct: JSON keeps everything but the Dates, which go as ISO text
 * and come back as Dates, so a replay answers exactly what the first call did.
 */
export const productCodec: IdempotencyCodec<Product> = {
  encode: (product): StoredProduct => ({
    ...product,
    createTime: product.createTime?.toISOString(),
    updateTime: product.updateTime?.toISOString(),
  }),
  decode: (stored): Product => {
    const { createTime, updateTime, ...rest } = stored as StoredProduct;
    return {
      ...rest,
      createTime: createTime === undefined ? undefined : new Date(createTime),
      updateTime: updateTime === undefined ? undefined : new Date(updateTime),
    };
  },
};
