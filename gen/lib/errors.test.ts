import { inspect } from 'node:util';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { ShopError, toShopError } from './errors';

describe('ShopError', () => {
  const trailer = new Metadata();
  trailer.set('x-debug', 'a'.repeat(50));
  const err = toShopError({ code: Status.NOT_FOUND, details: 'product not found', metadata: trailer }, '/shop.catalog.v1.CatalogService/GetProduct');

  it("has the server's message as its message, the method and code as properties", () => {
    expect(err).toBeInstanceOf(ShopError);
    expect(err.message).toBe('product not found');
    expect(err).toMatchObject({ path: '/shop.catalog.v1.CatalogService/GetProduct', code: Status.NOT_FOUND, codeName: 'NOT_FOUND', details: 'product not found' });
    expect(err.trailer.get('x-debug')).toEqual(['a'.repeat(50)]);
  });

  it('prints without the raw trailer', () => {
    const printed = inspect(err);
    expect(printed).toContain('product not found');
    expect(printed).toContain("codeName: 'NOT_FOUND'");
    expect(printed).not.toContain('Metadata');
    expect(printed).not.toContain('x-debug');
  });

  it('names the code when the server sent no message', () => {
    expect(toShopError({ code: Status.UNAVAILABLE, details: '' }, '/p').message).toBe('UNAVAILABLE');
  });
});
