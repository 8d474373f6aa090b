import { DomainError } from '@shop/kit';
import { CreateProductRequest, DeleteProductRequest, UpdateProductRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { validateCreate, validateDelete, validateUpdate } from './write-requests';

const id = '69040C33-5C8E-59B0-9032-BC23EB34FF6A';
const mug = {
  sku: 'MUG-001',
  name: 'Stoneware Mug',
  description: 'Blue.',
  price: { currencyCode: 'EUR', amountMinor: '1299' },
  category: 'kitchen',
  imageUrl: 'https://images.shop.example/mug.jpg',
};

function violationFields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return (err.details.fieldViolations ?? []).map((v) => v.field);
    throw err;
  }
  return [];
}

describe('validateCreate', () => {
  it('returns the writable fields and ignores id, version and times', () => {
    const valid = validateCreate(CreateProductRequest.fromPartial({ product: { ...mug, id, version: '7', createTime: new Date(0) }, requestId: 'r-1' }));
    expect(valid).toEqual({ fields: mug, requestId: 'r-1' });
  });

  it('never reads a request without a product or a price (which the contract refuses)', () => {
    expect(violationFields(() => validateCreate(CreateProductRequest.fromPartial({})))).toEqual(['product']);
    expect(violationFields(() => validateCreate(CreateProductRequest.fromPartial({ product: { ...mug, price: undefined } })))).toEqual(['product.price']);
  });
});

describe('validateUpdate', () => {
  it('returns only the masked fields, the lower-case id and the version to check', () => {
    const request = UpdateProductRequest.fromPartial({
      product: { ...mug, id, name: 'Big Mug', sku: 'IGNORED', version: '3' },
      updateMask: ['name', 'price'],
    });
    expect(validateUpdate(request)).toEqual({
      id: id.toLowerCase(),
      changes: { name: 'Big Mug', price: mug.price },
      expectedVersion: 3n,
    });
  });

  it('treats version 0 as no check', () => {
    const request = UpdateProductRequest.fromPartial({ product: { id, category: '' }, updateMask: ['category'] });
    expect(validateUpdate(request)).toEqual({ id: id.toLowerCase(), changes: { category: '' }, expectedVersion: undefined });
  });

  it('ignores fields outside the mask', () => {
    expect(validateUpdate(UpdateProductRequest.fromPartial({ product: { id, name: '' }, updateMask: ['image_url'] })).changes).toEqual({ imageUrl: '' });
  });

  it('refuses a path that cannot be updated', () => {
    const request = UpdateProductRequest.fromPartial({ product: { id }, updateMask: ['sku'] });
    expect(violationFields(() => validateUpdate(request))).toEqual(['update_mask.paths[0]']);
  });

  it('requires a mask', () => {
    expect(violationFields(() => validateUpdate(UpdateProductRequest.fromPartial({ product: { id } })))).toEqual(['update_mask']);
  });
});

describe('validateDelete', () => {
  it('reads the id and the optional version', () => {
    expect(validateDelete(DeleteProductRequest.fromPartial({ productId: id }))).toEqual({ id: id.toLowerCase(), expectedVersion: undefined });
    expect(validateDelete(DeleteProductRequest.fromPartial({ productId: id, version: '2' }))).toEqual({ id: id.toLowerCase(), expectedVersion: 2n });
  });
});
