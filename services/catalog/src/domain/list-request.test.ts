import { DomainError } from '@shop/kit';
import { ListProductsRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { parseOrderBy } from './list-order';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parseListRequest } from './list-request';
import { createPageTokenCodec } from './page-token';

const tokens = createPageTokenCodec('test-secret-0123456789');
const request = (fields: Partial<ListProductsRequest>) => ListProductsRequest.fromPartial(fields);
const id = '69040c33-5c8e-59b0-9032-bc23eb34ff6a';

function violations(fields: Partial<ListProductsRequest>): string[] {
  try {
    parseListRequest(request(fields), tokens);
  } catch (err) {
    if (err instanceof DomainError) return (err.details.fieldViolations ?? []).map((v) => v.field);
    throw err;
  }
  return [];
}

describe('parseOrderBy', () => {
  it.each([
    ['', 'create_time', false],
    ['create_time', 'create_time', false],
    ['create_time desc', 'create_time', true],
    ['name', 'name', false],
    ['  name   desc ', 'name', true],
    ['price', 'price', false],
    ['price desc', 'price', true],
  ])('reads %j', (text, key, descending) => {
    expect(parseOrderBy(text)).toEqual({ key, descending });
  });

  it.each(['id', 'price asc', 'Price', 'name desc id', 'desc', 'name,price', 'createTime'])('refuses %j', (text) => {
    expect(parseOrderBy(text)).toBeUndefined();
  });
});

describe('parseListRequest', () => {
  it('defaults to 20 per page in creation order and clamps large pages to 100', () => {
    expect(parseListRequest(request({}), tokens)).toMatchObject({ pageSize: DEFAULT_PAGE_SIZE, order: { key: 'create_time', descending: false }, filters: {} });
    expect(parseListRequest(request({ pageSize: 1000 }), tokens).pageSize).toBe(MAX_PAGE_SIZE);
    expect(parseListRequest(request({ pageSize: 7 }), tokens).pageSize).toBe(7);
  });

  it('refuses an order_by it cannot parse (the other fields are rules of the contract)', () => {
    expect(violations({ orderBy: 'stock' })).toEqual(['order_by']);
    expect(violations({ minPriceMinor: 500n, maxPriceMinor: 500n })).toEqual([]);
  });

  it('folds name_contains to lower case', () => {
    expect(parseListRequest(request({ nameContains: 'MuG' }), tokens).filters).toEqual({ nameContains: 'mug' });
  });

  it('continues a listing from a token made with the same filters and order, whatever the page size', () => {
    const first = parseListRequest(request({ category: 'kitchen', orderBy: 'price desc', pageSize: 5 }), tokens);
    const token = tokens.encode({ key: '1299', id }, first.fingerprint);
    const next = parseListRequest(request({ category: 'kitchen', orderBy: 'price  desc', pageSize: 50, pageToken: token }), tokens);
    expect(next.after).toEqual({ key: '1299', id });
  });

  it('refuses a token reused with another filter or order, on page_token', () => {
    const first = parseListRequest(request({ category: 'kitchen', orderBy: 'price' }), tokens);
    const pageToken = tokens.encode({ key: '1299', id }, first.fingerprint);
    expect(violations({ category: 'home', orderBy: 'price', pageToken })).toEqual(['page_token']);
    expect(violations({ category: 'kitchen', orderBy: 'price desc', pageToken })).toEqual(['page_token']);
    expect(violations({ category: 'kitchen', orderBy: 'price', minPriceMinor: 1n, pageToken })).toEqual(['page_token']);
    expect(violations({ category: 'kitchen', orderBy: 'price', pageToken })).toEqual([]);
  });
});
