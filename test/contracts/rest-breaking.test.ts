import { rmSync } from 'node:fs';
import { breaking, copyContracts, editProto as edit, releaseCopy } from '../support/contract-copy';

/**
 * The REST breaking gate (scripts/rest-breaking.ts, run by `npm run
 * breaking` after buf breaking): each kind of change that breaks a REST
 * client, made to a copy of the contracts, fails it with a message naming
 * the released route and what changed; additions pass. buf breaking alone
 * passes every one of the route changes below.
 */
const GET_PRODUCT = 'option (google.api.http) = {get: "/v1/products/{product_id}"};';
const GET_PRODUCT_ROUTE = 'GET /v1/products/{product_id} (shop.catalog.v1.CatalogService.GetProduct)';
const CANCEL = 'post: "/v1/orders/{order_id}:cancel"\n      body: "*"';

describe('the REST breaking-change gate', () => {
  let dir: string;
  beforeEach(() => {
    dir = copyContracts();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes additions: a new binding of a route, a new request field, a route opening up', () => {
    edit(dir, 'shop/catalog/v1/catalog_service.proto', GET_PRODUCT, 'option (google.api.http) = {\n      get: "/v1/products/{product_id}"\n      additional_bindings {get: "/v1/catalog/products/{product_id}"}\n    };');
    edit(dir, 'shop/orders/v1/order_service.proto', '  string reason = 2 [', '  // note is new.\n  string note = 3;\n  string reason = 2 [');
    const result = breaking(dir);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it.each([
    ['a path renamed', GET_PRODUCT, 'option (google.api.http) = {get: "/v1/catalog/{product_id}"};', 'the route is gone; the RPC is now served at GET /v1/catalog/{product_id}'],
    ['GET changed to POST', GET_PRODUCT, 'option (google.api.http) = {\n      post: "/v1/products/{product_id}"\n      body: "*"\n    };', 'the route is gone; the RPC is now served at POST /v1/products/{product_id}'],
    ['a response_body added', GET_PRODUCT, 'option (google.api.http) = {\n      get: "/v1/products/{product_id}"\n      response_body: "product"\n    };', 'the response body is now field product instead of the whole response'],
  ])('fails on %s, naming the route and the change', (_name, from, to, change) => {
    edit(dir, 'shop/catalog/v1/catalog_service.proto', from, to);
    const result = breaking(dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(`${GET_PRODUCT_ROUTE}: ${change}`);
  });

  it('fails when a field moves from the body to the path', () => {
    edit(dir, 'shop/orders/v1/order_service.proto', CANCEL, 'post: "/v1/orders/{order_id}/{reason}:cancel"\n      body: "*"');
    const result = breaking(dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('POST /v1/orders/{order_id}:cancel (shop.orders.v1.OrderService.CancelOrder): the route is gone; the RPC is now served at POST /v1/orders/{order_id}/{reason}:cancel');
  });

  it('fails when the body stops being the whole request (its fields move to the query)', () => {
    edit(dir, 'shop/orders/v1/order_service.proto', CANCEL, 'post: "/v1/orders/{order_id}:cancel"\n      body: "reason"');
    const result = breaking(dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('POST /v1/orders/{order_id}:cancel (shop.orders.v1.OrderService.CancelOrder): the request body is now field reason instead of the whole request');
  });

  it('fails when a public route starts to need a token', () => {
    edit(dir, 'shop/catalog/v1/catalog_service.proto', `option (shop.common.v1.access) = ACCESS_PUBLIC;\n    option idempotency_level = NO_SIDE_EFFECTS;\n    ${GET_PRODUCT}`, `option (shop.common.v1.access) = ACCESS_AUTHENTICATED;\n    option idempotency_level = NO_SIDE_EFFECTS;\n    ${GET_PRODUCT}`);
    const result = breaking(dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(`${GET_PRODUCT_ROUTE}: it now needs authenticated access instead of public`);
  });

  it('fails when a field is sent under another JSON name, or a request field becomes REQUIRED', () => {
    edit(dir, 'shop/catalog/v1/product.proto', 'string name = 3 [', 'string name = 3 [\n    json_name = "title",');
    edit(dir, 'shop/orders/v1/order_service.proto', '  string reason = 2 [', '  string reason = 2 [\n    (google.api.field_behavior) = REQUIRED,');
    const result = breaking(dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(`${GET_PRODUCT_ROUTE}: response field shop.catalog.v1.Product.name is now "title" in JSON instead of "name"`);
    expect(result.output).toContain('POST /v1/orders/{order_id}:cancel (shop.orders.v1.OrderService.CancelOrder): request field shop.orders.v1.CancelOrderRequest.reason is now REQUIRED');
  });

  it('fails when an additional binding of a released route is dropped', () => {
    edit(dir, 'shop/catalog/v1/catalog_service.proto', GET_PRODUCT, 'option (google.api.http) = {\n      get: "/v1/products/{product_id}"\n      additional_bindings {get: "/v1/catalog/products/{product_id}"}\n    };');
    releaseCopy(dir);
    edit(dir, 'shop/catalog/v1/catalog_service.proto', '\n      additional_bindings {get: "/v1/catalog/products/{product_id}"}', '');
    const result = breaking(dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('GET /v1/catalog/products/{product_id} (shop.catalog.v1.CatalogService.GetProduct): the route is gone; the RPC is now served at GET /v1/products/{product_id}');
  });
});
