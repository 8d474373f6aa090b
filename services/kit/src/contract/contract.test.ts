import { sharedContract } from './contract';

describe('the shopmesh contract', () => {
  const contract = sharedContract();
  const shopMethods = [...contract.methods.values()].filter((m) => m.service.startsWith('shop.'));

  it('reads access, idempotency and HTTP bindings from the descriptor set', () => {
    const getProduct = contract.method('/shop.catalog.v1.CatalogService/GetProduct');
    expect(getProduct).toMatchObject({
      access: 'public',
      safeToRetry: true,
      serverStreaming: false,
      http: [{ method: 'get', path: '/v1/products/{product_id}', body: '', responseBody: '' }],
    });
    expect(contract.method('/shop.payments.v1.PaymentService/Charge')).toMatchObject({ access: 'internal', http: [] });
    expect(contract.method('/shop.orders.v1.OrderService/WatchOrder')?.serverStreaming).toBe(true);
    expect(contract.method('/shop.catalog.v1.CatalogService/CreateProduct')).toMatchObject({ access: 'admin', safeToRetry: false });
  });

  it('knows the long polls: the requests with a max_wait Duration', () => {
    expect(shopMethods.filter((m) => m.longPoll).map((m) => m.path).sort()).toEqual([
      '/shop.events.v1.EventFeedService/PullEvents',
      '/shop.users.v1.AuthService/ListRevokedSessions',
    ]);
  });

  it('declares an access level on every RPC', () => {
    expect(shopMethods.length).toBeGreaterThan(30);
    const undeclared = shopMethods.filter((m) => !m.accessDeclared).map((m) => m.path);
    expect(undeclared).toEqual([]);
  });

  it('exposes exactly the non-internal RPCs over HTTP', () => {
    const mismatched = shopMethods
      .filter((m) => (m.access === 'internal') !== (m.http.length === 0))
      .map((m) => `${m.path} (${m.access}, ${m.http.length} bindings)`);
    expect(mismatched).toEqual([]);
  });
});
