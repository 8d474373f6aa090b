import { createContractRules, sharedContract } from '@shop/kit';
import { GatewayError } from '../errors/gateway-error';
import { readRoutes } from '../routing/routes';
import { RequestBuilder, type RequestInput } from './request';

// One naming style for field paths in every 400 the gateway makes itself,
// whatever the kind of error and whichever name the client used: proto
// field names, "." into messages, "[i]" for list items (an unknown field is
// named as it was sent: it has no proto name).

const contract = sharedContract();
const routes = readRoutes(contract);
const builder = new RequestBuilder(contract.registry, 32, createContractRules(contract.registry));
const route = (method: string, source: string) => routes.find((r) => r.httpMethod === method && r.template.source === source)!;

function fieldsOf(method: string, source: string, input: Partial<RequestInput>): string[] {
  try {
    builder.build(route(method, source), { values: [], query: '', body: undefined, ...input });
  } catch (err) {
    if (err instanceof GatewayError) return err.fieldViolations.map((v) => v.field);
    throw err;
  }
  return [];
}

const ORDER = {
  idempotencyKey: 'k-1',
  items: [{ productId: '69040c33-5c8e-59b0-9032-bc23eb34ff6a', quantity: '1' }],
  shippingAddress: { recipient: 'Ada', lines: ['1 Road'], city: 'London', postalCode: 'N1', countryCode: 'GB' },
  paymentToken: 'tok_approve',
};

describe('field paths in the gateway\'s 400s', () => {
  it('are proto names for a value of the wrong JSON type, sent in lowerCamel or in proto names', () => {
    expect(fieldsOf('POST', '/v1/orders', { body: JSON.stringify({ ...ORDER, shippingAddress: { ...ORDER.shippingAddress, postalCode: 5 } }) })).toEqual(['shipping_address.postal_code']);
    expect(fieldsOf('POST', '/v1/orders', { body: JSON.stringify({ ...ORDER, items: [{ product_id: ORDER.items[0]!.productId, quantity: 'many' }] }) })).toEqual(['items[0].quantity']);
  });

  it('are proto names for a broken contract rule', () => {
    expect(fieldsOf('POST', '/v1/orders', { body: JSON.stringify({ ...ORDER, shippingAddress: { ...ORDER.shippingAddress, postalCode: 'N\u00001' } }) })).toEqual(['shipping_address.postal_code']);
    expect(fieldsOf('POST', '/v1/orders', { body: JSON.stringify({ ...ORDER, items: [{ ...ORDER.items[0], quantity: '0' }] }) })).toEqual(['items[0].quantity']);
  });

  it('are proto names for a query parameter sent in lowerCamel', () => {
    expect(fieldsOf('GET', '/v1/users', { query: 'pageSize=-1' })).toEqual(['page_size']);
    expect(fieldsOf('GET', '/v1/users', { query: 'emailPrefix=a%00b' })).toEqual(['email_prefix']);
  });

  it('name an unknown field as it was sent, below the proto path of its parent', () => {
    expect(fieldsOf('POST', '/v1/orders', { body: JSON.stringify({ ...ORDER, shippingAddress: { ...ORDER.shippingAddress, zipCode: '1' } }) })).toEqual(['shipping_address.zipCode']);
  });
});

describe('a path-only request of a route with rules', () => {
  it('is encoded directly when the fast check clears it, and refused by name when it does not', () => {
    const bytes = builder.build(route('GET', '/v1/stock/{sku}'), { values: ['MUG-001'], query: '', body: undefined });
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.concat([Buffer.from([0x0a, 7]), Buffer.from('MUG-001')]).toString('hex'));
    expect(fieldsOf('GET', '/v1/stock/{sku}', { values: ['mug 1'] })).toEqual(['sku']);
    expect(fieldsOf('GET', '/v1/stock/{sku}', { values: ['MUG\u0000'] })).toEqual(['sku']);
  });
});
