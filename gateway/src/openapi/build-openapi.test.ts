import Ajv2020 from 'ajv/dist/2020';
import { sharedContract } from '@shop/kit';
import { checkOpenApi31 } from '../../test/support/openapi-check';
import { testContract } from '../../test/support/test-contract';
import { openApiPath } from '../routing/path-template';
import { readRoutes } from '../routing/routes';
import { buildOpenApi, OPS_PATHS, type OpenApiDocument } from './build-openapi';

const options = { title: 'test', version: 'v1' };

function operation(doc: OpenApiDocument, method: string, path: string): any {
  const item: any = doc.paths[path];
  return item?.[method.toLowerCase()] ?? item?.['x-additionalOperations']?.[method];
}

describe('buildOpenApi', () => {
  const shop = sharedContract();
  const shopRoutes = readRoutes(shop);
  const doc = buildOpenApi(shopRoutes, shop.registry, options);

  it('generates a valid OpenAPI 3.1 document for the shop contract', () => {
    expect(checkOpenApi31(JSON.parse(JSON.stringify(doc)))).toEqual([]);
  });

  describe('the validity check', () => {
    // Each mutation breaks one rule of OpenAPI 3.1; a check that passes any of
    // them would let the test above pass on an invalid document.
    const mutations: Array<[string, (copy: any) => void, RegExp]> = [
      ['a parameter in the body (an OpenAPI 2 location)', (copy) => (operation(copy, 'GET', '/v1/products/{product_id}').parameters[0].in = 'body'), /official OpenAPI 3\.1 schema: \/paths\/~1v1~1products~1\{product_id\}\/get\/parameters\/0\/in: must be equal to one of the allowed values/],
      ['a response without its description', (copy) => delete operation(copy, 'GET', '/v1/products/{product_id}').responses['200'].description, /official OpenAPI 3\.1 schema: .*responses\/200: must have required property 'description'/],
      ['an unknown field on an operation', (copy) => (operation(copy, 'GET', '/v1/orders').consumes = ['application/json']), /official OpenAPI 3\.1 schema: \/paths\/~1v1~1orders\/get: must NOT have unevaluated properties/],
      ['a JSON Schema type that does not exist, nested in a component schema', (copy) => (copy.components.schemas['shop.catalog.v1.Product'].properties.version.type = 'int64'), /official OpenAPI 3\.1 schema: \/components\/schemas\/shop\.catalog\.v1\.Product\/properties\/version\/type: must be equal to one of the allowed values/],
      ['a regular expression that does not compile', (copy) => (copy.components.schemas['shop.catalog.v1.Product'].properties.sku.pattern = '(['), /official OpenAPI 3\.1 schema: \/components\/schemas\/shop\.catalog\.v1\.Product\/properties\/sku\/pattern: must match format "regex"/],
      ['a discriminator without its property name (the OpenAPI vocabulary of the dialect)', (copy) => (copy.components.schemas['shop.catalog.v1.Product'].properties.price.discriminator = {}), /official OpenAPI 3\.1 schema: \/components\/schemas\/shop\.catalog\.v1\.Product\/properties\/price\/discriminator: must have required property 'propertyName'/],
      ['a path variable with no parameter', (copy) => (copy.paths['/v1/products/{product_id}'].get.parameters = []), /\{product_id\} has no path parameter/],
      ['a $ref to nothing', (copy) => (copy.components.schemas['shop.catalog.v1.Product'].properties.price = { $ref: '#/components/schemas/Nope' }), /unresolved \$ref #\/components\/schemas\/Nope/],
    ];
    it.each(mutations)('refuses %s', (_name, mutate, problem) => {
      const copy = JSON.parse(JSON.stringify(doc));
      mutate(copy);
      expect(checkOpenApi31(copy)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
    });
  });

  it('documents every route the gateway serves, and its own endpoints', () => {
    for (const route of shopRoutes) expect(operation(doc, route.httpMethod, openApiPath(route.template))).toBeDefined();
    for (const path of OPS_PATHS) expect(doc.paths[path]?.['get']).toBeDefined();
  });

  it('writes field types in their canonical JSON forms', () => {
    const product: any = doc.components.schemas['shop.catalog.v1.Product'];
    // int64 is written as a string and accepted as a number too, so its range applies to both.
    expect(product.properties.version).toEqual(expect.objectContaining({ type: ['string', 'integer'], format: 'int64', minimum: 0, example: '0' }));
    expect(product.properties.createTime).toEqual(expect.objectContaining({ $ref: '#/components/schemas/google.protobuf.Timestamp', readOnly: true }));
    expect(doc.components.schemas['google.protobuf.Timestamp']).toMatchObject({ type: 'string', format: 'date-time' });
    expect(doc.components.schemas['shop.orders.v1.OrderState']).toMatchObject({ type: 'string', enum: expect.arrayContaining(['ORDER_STATE_PENDING']) });
    expect(doc.components.schemas['shop.common.v1.Money']).toMatchObject({ properties: { amountMinor: { type: ['string', 'integer'], example: '1299' } } });
  });

  it('takes required from field_behavior REQUIRED, readOnly from OUTPUT_ONLY and writeOnly from INPUT_ONLY', () => {
    expect(doc.components.schemas['shop.catalog.v1.Product']['required']).toEqual(['sku', 'name', 'price']);
    expect((doc.components.schemas['shop.users.v1.User'] as any).properties.id.readOnly).toBe(true);
    expect((doc.components.schemas['shop.users.v1.LoginRequest'] as any).properties.password.writeOnly).toBe(true);
  });

  it('publishes the contract\'s rules: shop.common.v1.printable as a pattern that refuses control characters, on fields, items and query parameters', () => {
    const address = (doc.components as any).schemas['shop.common.v1.PostalAddress'].properties;
    expect(address.city).toMatchObject({ type: 'string', pattern: expect.any(String) });
    expect(address.lines.items).toMatchObject({ type: 'string', pattern: address.city.pattern });
    const emailPrefix = operation(doc, 'GET', '/v1/users').parameters.find((p: any) => p.name === 'email_prefix');
    expect(emailPrefix.schema.pattern).toBe(address.city.pattern);
    const printable = new RegExp(address.city.pattern, 'u');
    expect(['Town', 'Zürich', ''].map((t) => printable.test(t))).toEqual([true, true, true]);
    expect(['a\u0000b', 'tab\there', 'del\u007f'].map((t) => printable.test(t))).toEqual([false, false, false]);
    // A page token: its bounds and pattern, and no example (the contract's example "" says none: a made-up token would be refused).
    expect(operation(doc, 'GET', '/v1/users').parameters.find((p: any) => p.name === 'page_token').schema).toEqual({ type: 'string', maxLength: 1024, pattern: '^[\\u0021-\\u007E]*$' });
  });

  it('takes descriptions from the proto comments', () => {
    expect(doc.components.schemas['shop.catalog.v1.Product']['description']).toBe('Product is an item for sale.');
    const get = operation(doc, 'GET', '/v1/products/{product_id}');
    expect(get.summary).toBe('GetProduct returns one product by id.');
    expect(get.parameters[0]).toMatchObject({ name: 'product_id', in: 'path', required: true, description: 'product_id is the id of the product.' });
  });

  it('declares security from the access level', () => {
    // Public: no requirement, so Swagger UI draws no lock (a closed one would read as "protected").
    expect(operation(doc, 'GET', '/v1/products/{product_id}').security).toEqual([]);
    expect(operation(doc, 'GET', '/v1/orders').responses['401']).toEqual({ $ref: '#/components/responses/Unauthenticated' });
    expect(operation(doc, 'GET', '/v1/products/{product_id}').responses['401']).toBeUndefined();
    expect(operation(doc, 'GET', '/v1/orders').security).toEqual([{ bearerAuth: [] }]);
    expect(operation(doc, 'POST', '/v1/products')['x-shop-access']).toBe('admin');
    expect(doc.components['securitySchemes']).toEqual({ bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }) });
  });

  it('lists query parameters for the fields the path and body leave, and none for a "*" body', () => {
    const names = operation(doc, 'GET', '/v1/products').parameters.map((p: any) => p.name).filter((n: string | undefined) => n);
    expect(names).toEqual(expect.arrayContaining(['page_size', 'page_token', 'category', 'min_price_minor']));
    const login = operation(doc, 'POST', '/v1/auth/login');
    expect(login.parameters.filter((p: any) => p.in === 'query')).toEqual([]);
    expect(login.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/shop.users.v1.LoginRequest' });
    const update = operation(doc, 'PATCH', '/v1/products/{product.id}');
    expect(update.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['product.id', 'update_mask']));
    expect(update.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/shop.catalog.v1.Product' });
  });

  it('describes the error body and streaming responses', () => {
    expect(operation(doc, 'GET', '/v1/orders').responses.default).toEqual({ $ref: '#/components/responses/Error' });
    expect(doc.components.schemas['Error']).toMatchObject({ required: ['error'] });
    const watch = operation(doc, 'GET', '/v1/orders/{order_id}:watch');
    expect(Object.keys(watch.responses['200'].content)).toEqual(['text/event-stream', 'application/x-ndjson']);
  });

  it('gives every field with a pattern an example, so Swagger UI never makes one up from the pattern', () => {
    // Swagger UI generates a sample from a pattern at random (it once made "" for Product.name, which the rules refuse).
    const patterned = (s: any): boolean => !!s && (typeof s.pattern === 'string' || (Array.isArray(s.allOf) && s.allOf.some(patterned)));
    const missing: string[] = [];
    for (const [name, schema] of Object.entries<any>(doc.components.schemas)) {
      for (const [prop, p] of Object.entries<any>(schema.properties ?? {})) {
        if ((patterned(p) || patterned(p.items)) && p.example === undefined) missing.push(`${name}.${prop}`);
      }
    }
    expect(missing).toEqual([]);
    expect((doc.components.schemas['shop.common.v1.PostalAddress'] as any).properties.lines.example).toEqual(['12 St James Square']);
  });

  it('shows a real error in every error response example, valid against the Error schema', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile({ ...doc.components.schemas['Error'], components: doc.components, $id: 'https://shop.example/error' } as object);
    const responses = doc.components['responses'] as Record<string, { content: Record<string, { example?: any }> }>;
    expect(Object.keys(responses).sort()).toEqual(['Error', 'TooManyRequests', 'Unauthenticated']);
    for (const [name, response] of Object.entries(responses)) {
      const example = response.content['application/json'].example;
      expect({ name, valid: validate(example), errors: validate.errors ?? null }).toEqual({ name, valid: true, errors: null });
      expect(example.error.code).toBeGreaterThanOrEqual(400);
      expect(example.error.status).not.toBe('OK');
      expect(example.error.details[0]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', domain: 'shop.example' });
    }
  });

  it('handles every binding kind of the test contract, custom methods under an extension', async () => {
    const contract = testContract();
    const routes = readRoutes(contract);
    const test = buildOpenApi(routes, contract.registry, options);
    expect(checkOpenApi31(JSON.parse(JSON.stringify(test)))).toEqual([]);
    for (const route of routes) expect(operation(test, route.httpMethod, openApiPath(route.template))).toBeDefined();
    expect(operation(test, 'GET', '/v1/{name}').parameters[0].description).toContain('shelves/*/sinks/*');
    expect(operation(test, 'SEARCH', '/v1/sinks:lookup')).toBeDefined();
    expect(operation(test, 'GET', '/v1/sinks/{id}/title').responses['200'].content['application/json'].schema).toEqual({ type: 'string' });
    const sink: any = test.components.schemas['gwtest.v1.Sink'];
    expect(sink.properties.maybeI32).toEqual(expect.objectContaining({ $ref: '#/components/schemas/google.protobuf.Int32Value' }));
    expect(test.components.schemas['google.protobuf.Int32Value']).toMatchObject({ type: ['integer', 'null'] });
    expect(sink.properties.totals).toMatchObject({ type: 'object', additionalProperties: { type: ['string', 'integer'], format: 'int64' } });
    expect(sink.properties.pickS.description).toContain('At most one of pickS, pickInner, pickI64');
  });
});
