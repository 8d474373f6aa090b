import { parseTemplate } from './path-template';
import { PathError, Router } from './router';

const route = (httpMethod: string, path: string, id = `${httpMethod} ${path}`) => ({ id, httpMethod, template: parseTemplate(path) });

const router = new Router([
  route('GET', '/v1/users/me'),
  route('PATCH', '/v1/users/me'),
  route('GET', '/v1/users/{user_id}'),
  route('POST', '/v1/users/me:changePassword'),
  route('GET', '/v1/products:batchGet'),
  route('GET', '/v1/products/{product_id}'),
  route('GET', '/v1/stock/{sku}'),
  route('POST', '/v1/stock/{sku}:adjust'),
  route('GET', '/v1/orders/{order_id}'),
  route('GET', '/v1/orders/{order_id}/shipment'),
  route('GET', '/v1/orders/{order_id}:watch'),
  route('GET', '/v1/{name=shelves/*/books/*}'),
  route('GET', '/v1/files/{path=**}'),
  route('GET', '/v1/files/{path=**}:download'),
]);

describe('Router', () => {
  it.each([
    ['GET', '/v1/users/me', 'GET /v1/users/me', []],
    ['PATCH', '/v1/users/me', 'PATCH /v1/users/me', []],
    ['GET', '/v1/users/u-1', 'GET /v1/users/{user_id}', ['u-1']],
    ['POST', '/v1/users/me:changePassword', 'POST /v1/users/me:changePassword', []],
    ['GET', '/v1/products:batchGet', 'GET /v1/products:batchGet', []],
    ['GET', '/v1/products/p%201', 'GET /v1/products/{product_id}', ['p 1']],
    ['HEAD', '/v1/products/p1', 'GET /v1/products/{product_id}', ['p1']],
    ['GET', '/v1/stock/A:B', 'GET /v1/stock/{sku}', ['A:B']],
    ['POST', '/v1/stock/A:B:adjust', 'POST /v1/stock/{sku}:adjust', ['A:B']],
    ['GET', '/v1/orders/o1/shipment', 'GET /v1/orders/{order_id}/shipment', ['o1']],
    ['GET', '/v1/orders/o1:watch', 'GET /v1/orders/{order_id}:watch', ['o1']],
    ['GET', '/v1/shelves/s1/books/b%2F2', 'GET /v1/{name=shelves/*/books/*}', ['shelves/s1/books/b%2F2']],
    ['GET', '/v1/files/a/b/c', 'GET /v1/files/{path=**}', ['a/b/c']],
    ['GET', '/v1/files/a/b:download', 'GET /v1/files/{path=**}:download', ['a/b']],
    ['GET', '/v1/files', 'GET /v1/files/{path=**}', ['']],
  ])('routes %s %s to %s', (method, path, id, values) => {
    const result = router.match(method, path);
    expect(result.kind).toBe('match');
    if (result.kind !== 'match') return;
    expect(result.match.route.id).toBe(id);
    expect(result.match.values).toEqual(values);
  });

  it.each([
    ['GET', '/v1/unknown'],
    ['GET', '/v1/users/me/extra'],
    ['GET', '/v1/products/'],
    ['GET', '/v1/shelves/s1/books'],
    ['GET', 'v1/users/me'],
  ])('finds no route for %s %s', (method, path) => {
    expect(router.match(method, path).kind).toBe('not-found');
  });

  it('lists the methods a known path allows', () => {
    expect(router.match('DELETE', '/v1/users/me')).toEqual({ kind: 'method-not-allowed', allowed: ['GET', 'HEAD', 'PATCH'] });
    expect(router.match('POST', '/v1/products/p1')).toEqual({ kind: 'method-not-allowed', allowed: ['GET', 'HEAD'] });
  });

  it('refuses malformed percent-encoding', () => {
    expect(() => router.match('GET', '/v1/products/%E0%A4%A')).toThrow(PathError);
  });
});
