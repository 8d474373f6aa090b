import { fromJson, type DescMessage, type JsonObject } from '@bufbuild/protobuf';
import { createContractRules, sharedContract } from '@shop/kit';

// The contract's request rules (buf.validate in proto/shop/*/v1), as
// protovalidate evaluates them for the runtime and the gateway: each case is
// a request in proto3 JSON and the fields its violations name, [] for a
// request the rules accept. These were the services' hand-written checks;
// the contract states them now, for every client.

const { registry } = sharedContract();
const rules = createContractRules(registry);

function fields(typeName: string, json: JsonObject): string[] {
  const desc = registry.getMessage(typeName) as DescMessage;
  return rules.check(desc, fromJson(desc, json, { registry })).map((v) => v.field);
}

type Case = [JsonObject, string[]];

function table(typeName: string, cases: Case[]): void {
  describe(typeName, () => {
    it.each(cases.map(([json, expected]) => [JSON.stringify(json).slice(0, 120), json, expected] as const))('%s', (_, json, expected) => {
      expect(fields(typeName, json)).toEqual(expected);
    });
  });
}

const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('inventory', () => {
  table('shop.inventory.v1.GetStockRequest', [
    [{ sku: 'ABC' }, []],
    [{ sku: 'A-1' }, []],
    [{ sku: 'X'.repeat(64) }, []],
    ...['', 'AB', 'X'.repeat(65), 'abc', 'MUG_001', 'MUG 001', 'MÜG-1', 'MUG\u0000'].map((sku): Case => [{ sku }, ['sku']]),
  ]);
  table('shop.inventory.v1.BatchGetStockRequest', [
    [{ skus: ['OK-1', 'no', 'OK-2', ''] }, ['skus[1]', 'skus[3]']],
    [{ skus: [] }, ['skus']],
    [{ skus: many(101, () => 'SKU-1') }, ['skus']],
    [{ skus: many(100, () => 'SKU-1') }, []],
  ]);
  table('shop.inventory.v1.SetStockRequest', [
    [{ sku: 'MUG-001', onHand: '0' }, []],
    [{ sku: 'MUG-001', onHand: '1000000000000' }, []],
    [{ sku: 'MUG-001', onHand: '-1' }, ['on_hand']],
    [{ sku: 'MUG-001', onHand: '1000000000001' }, ['on_hand']],
    [{ sku: 'MUG-001', onHand: '9223372036854775807' }, ['on_hand']],
    [{ sku: 'x', onHand: '-1' }, ['sku', 'on_hand']],
  ]);
  table('shop.inventory.v1.AdjustStockRequest', [
    [{ sku: 'MUG-001', delta: '5' }, []],
    [{ sku: 'MUG-001', delta: '-5', reason: 'broken', requestId: 'r-1' }, []],
    [{ sku: 'MUG-001', delta: '0' }, ['delta']],
    [{ sku: 'MUG-001', delta: '-9223372036854775808' }, ['delta']],
    [{ sku: 'MUG-001', delta: '1', reason: 'x'.repeat(501) }, ['reason']],
    [{ sku: 'MUG-001', delta: '1', reason: 'a\u0000b' }, ['reason']],
    [{ sku: 'MUG-001', delta: '1', requestId: 'has space' }, ['request_id']],
  ]);
  const item = (sku: string, quantity: string) => ({ sku, quantity });
  const reserve = (over: JsonObject): JsonObject => ({ reservationId: 'res-1', orderId: 'order-1', items: [item('MUG-001', '1')], ...over });
  table('shop.inventory.v1.ReserveStockRequest', [
    [reserve({}), []],
    [reserve({ ttl: '0.000000001s' }), []],
    [reserve({ ttl: '86400s' }), []],
    [reserve({ ttl: '0s' }), ['ttl']],
    [reserve({ ttl: '-5s' }), ['ttl']],
    [reserve({ ttl: '86400.000000001s' }), ['ttl']],
    [reserve({ items: [item('MUG-1', '1000')] }), []],
    [reserve({ items: [item('MUG-1', '0'), item('CUP-1', '1001')] }), ['items[0].quantity', 'items[1].quantity']],
    [reserve({ items: [item('MUG-1', '1'), item('MUG-1', '2')] }), ['items']],
    [reserve({ items: [] }), ['items']],
    [reserve({ items: many(101, (i) => item(`SKU-${i}`, '1')) }), ['items']],
    [reserve({ reservationId: '', orderId: '' }), ['reservation_id', 'order_id']],
    [reserve({ reservationId: 'x'.repeat(129) }), ['reservation_id']],
  ]);
  table('shop.inventory.v1.ReleaseReservationRequest', [
    [{ reservationId: 'res-1', reason: 'payment declined' }, []],
    [{ reservationId: '', reason: 'x'.repeat(501) }, ['reservation_id', 'reason']],
  ]);
});

describe('orders', () => {
  const PRODUCT = '69040c33-5c8e-59b0-9032-bc23eb34ff6a';
  const OTHER = 'a127c789-0e30-5edb-8ec6-394be12a2711';
  const ADDRESS = { recipient: 'Ada', lines: ['1 Road'], city: 'London', postalCode: 'N1', countryCode: 'GB' };
  const order = (over: JsonObject): JsonObject => ({ idempotencyKey: 'k-1', items: [{ productId: PRODUCT, quantity: '2' }], shippingAddress: ADDRESS, paymentToken: 'tok_approve', ...over });
  const productIds = many(101, (i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  table('shop.orders.v1.PlaceOrderRequest', [
    [order({}), []],
    [order({ items: [{ productId: PRODUCT.toUpperCase(), quantity: '1000' }] }), []],
    // the idempotency key: required, at most 64 printable ASCII characters without spaces
    [order({ idempotencyKey: '' }), ['idempotency_key']],
    [order({ idempotencyKey: 'k'.repeat(64) }), []],
    [order({ idempotencyKey: 'k'.repeat(65) }), ['idempotency_key']],
    [order({ idempotencyKey: 'has space' }), ['idempotency_key']],
    // the items: 1 to 100, distinct UUID product ids (in any case), quantities 1 to 1000
    [order({ items: [] }), ['items']],
    [order({ items: productIds.map((productId) => ({ productId, quantity: '1' })) }), ['items']],
    [order({ items: productIds.slice(0, 100).map((productId) => ({ productId, quantity: '1' })) }), []],
    [
      order({
        items: [
          { productId: PRODUCT, quantity: '0' },
          { productId: 'nope', quantity: '1001' },
          { productId: OTHER, quantity: '-1' },
          { productId: '', quantity: '1' },
        ],
      }),
      ['items[0].quantity', 'items[1].product_id', 'items[1].quantity', 'items[2].quantity', 'items[3].product_id'],
    ],
    [order({ items: [{ productId: PRODUCT, quantity: '1' }, { productId: PRODUCT.toUpperCase(), quantity: '1' }] }), ['items']],
    // the shipping address, field by field
    [(({ shippingAddress, ...rest }) => rest)(order({})), ['shipping_address']],
    [
      order({ shippingAddress: { ...ADDRESS, recipient: ' ', lines: [], city: '', postalCode: '', countryCode: 'gbr' } }),
      ['shipping_address.recipient', 'shipping_address.lines', 'shipping_address.city', 'shipping_address.postal_code', 'shipping_address.country_code'],
    ],
    [order({ shippingAddress: { ...ADDRESS, lines: ['a', '', 'c', 'd'] } }), ['shipping_address.lines', 'shipping_address.lines[1]']],
    [order({ shippingAddress: { ...ADDRESS, recipient: 'r'.repeat(201), region: 'r'.repeat(101), postalCode: '1'.repeat(21) } }), ['shipping_address.recipient', 'shipping_address.postal_code', 'shipping_address.region']],
    // NUL and other control characters, which PostgreSQL refused with a 500
    ...(['recipient', 'city', 'postalCode', 'region'] as const).map((key): Case => [order({ shippingAddress: { ...ADDRESS, [key]: 'a\u0000b' } }), [`shipping_address.${key === 'postalCode' ? 'postal_code' : key}`]]),
    [order({ shippingAddress: { ...ADDRESS, lines: ['a\u0000b'] } }), ['shipping_address.lines[0]']],
    [order({ paymentToken: 'tok\u0000' }), ['payment_token']],
    // the payment token: required, 1 to 256 printable ASCII characters without spaces
    [order({ paymentToken: '' }), ['payment_token']],
    [order({ paymentToken: 't'.repeat(257) }), ['payment_token']],
  ]);
  for (const typeName of ['shop.orders.v1.GetOrderRequest', 'shop.orders.v1.WatchOrderRequest']) {
    table(typeName, [
      [{ orderId: OTHER }, []],
      [{ orderId: OTHER.toUpperCase() }, []],
      [{ orderId: '' }, ['order_id']],
      [{ orderId: 'not-a-uuid' }, ['order_id']],
    ]);
  }
  table('shop.orders.v1.CancelOrderRequest', [
    [{ orderId: OTHER, reason: 'changed my mind' }, []],
    [{ orderId: OTHER, reason: 'x'.repeat(501) }, ['reason']],
    [{ orderId: OTHER, reason: 'a\u0000b' }, ['reason']],
  ]);
  table('shop.orders.v1.ListOrdersRequest', [
    [{ pageSize: 500 }, []],
    [{ pageSize: -1 }, ['page_size']],
    [{ userId: 'a\u0000b' }, ['user_id']],
  ]);
});

describe('payments', () => {
  const PAYMENT = '6f1c1a52-8d1e-4c1b-9d7a-0a4a3c2b1e0f';
  const charge = { idempotencyKey: 'order-1-charge', orderId: 'order-1', userId: 'ada', amount: { currencyCode: 'EUR', amountMinor: '1999' }, paymentToken: 'tok_approve' };
  table('shop.payments.v1.ChargeRequest', [
    [charge, []],
    [{ ...charge, amount: { currencyCode: 'EUR', amountMinor: '1000000000000' } }, []],
    [
      { idempotencyKey: 'x'.repeat(129), orderId: '', userId: 'a b', amount: { currencyCode: 'Eur', amountMinor: '-5' }, paymentToken: 'tok with space' },
      ['idempotency_key', 'order_id', 'user_id', 'amount', 'amount.currency_code', 'payment_token'],
    ],
    [{ ...charge, amount: { currencyCode: 'EUR', amountMinor: '1000000000001' } }, ['amount']],
    [{ ...charge, amount: { currencyCode: 'EUR', amountMinor: '-9223372036854775808' } }, ['amount']],
    [(({ amount, ...rest }) => rest)(charge), ['amount']],
    [{ ...charge, paymentToken: 't'.repeat(257) }, ['payment_token']],
  ]);
  table('shop.payments.v1.RefundRequest', [
    [{ paymentId: PAYMENT, idempotencyKey: 'r-1' }, []],
    [{ paymentId: PAYMENT, idempotencyKey: 'r-1', amount: { currencyCode: 'EUR', amountMinor: '5' }, reason: 'order cancelled' }, []],
    [{ paymentId: 'nope', idempotencyKey: '', amount: { currencyCode: 'EUR', amountMinor: '0' }, reason: 'x'.repeat(501) }, ['payment_id', 'idempotency_key', 'amount', 'reason']],
  ]);
  table('shop.payments.v1.GetPaymentRequest', [
    [{ paymentId: PAYMENT }, []],
    [{ paymentId: '' }, ['payment_id']],
    [{ paymentId: 'nope' }, ['payment_id']],
  ]);
  table('shop.payments.v1.FindChargeRequest', [
    [{ idempotencyKey: 'order-1-charge' }, []],
    [{ idempotencyKey: '' }, ['idempotency_key']],
  ]);
});

describe('catalog', () => {
  const ID = '69040c33-5c8e-59b0-9032-bc23eb34ff6a';
  const mug = { sku: 'MUG-001', name: 'Stoneware Mug', description: 'Blue.', price: { currencyCode: 'EUR', amountMinor: '1299' }, category: 'kitchen', imageUrl: 'https://images.shop.example/mug.jpg' };
  const create = (product: JsonObject, over: JsonObject = {}): JsonObject => ({ product: { ...mug, ...product }, ...over });
  const productField = (key: string) => `product.${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
  const accepts = (key: string, values: unknown[]) => values.map((value): Case => [create({ [key]: value as never }), []]);
  const refuses = (key: string, values: unknown[]) => values.map((value): Case => [create({ [key]: value as never }), [productField(key)]]);
  table('shop.catalog.v1.CreateProductRequest', [
    [create({}, { requestId: 'r-1' }), []],
    ...accepts('sku', ['MUG', 'MUG-001', 'A'.repeat(64), '---']),
    ...refuses('sku', ['MU', 'A'.repeat(65), 'mug-001', 'MUG 001', 'MUG_001', 'MÜG']),
    // 200 characters, counting an emoji as one
    ...accepts('name', ['🍵'.repeat(200)]),
    ...refuses('name', ['   ', 'x'.repeat(201), 'a\nb', 'nul\u0000']),
    ...accepts('description', ['', 'line one\r\nline two\tend', 'x'.repeat(5000)]),
    ...refuses('description', ['x'.repeat(5001), 'a\u0000b', 'bell\u0007']),
    ...accepts('category', ['', 'kitchen', 'home & garden', 'x'.repeat(64)]),
    ...refuses('category', ['Kitchen', 'x'.repeat(65), ' kitchen', 'kitchen ', 'kitchen\t', 'a\u0000']),
    ...accepts('imageUrl', ['', 'https://images.shop.example/mug.jpg', `https://x.example/${'a'.repeat(2048 - 18)}`, 'https://x.example:8443?size=2#top']),
    ...refuses('imageUrl', [
      'http://images.shop.example/mug.jpg',
      'ftp://images.shop.example/mug.jpg',
      '//images.shop.example/mug.jpg',
      'mug.jpg',
      'https://',
      'https:///mug.jpg',
      'https://user:secret@images.shop.example/mug.jpg',
      'https://images.shop.example/m ug.jpg',
      'https://images.shop\n.example/mug.jpg',
      'javascript:alert(1)',
      `https://x.example/${'a'.repeat(2048)}`,
    ]),
    [create({ price: { currencyCode: 'EUR', amountMinor: '1' } }), []],
    [create({ price: { currencyCode: 'EUR', amountMinor: '1000000000000' } }), []],
    [create({ price: { currencyCode: 'eur', amountMinor: '0' } }), ['product.price', 'product.price.currency_code']],
    [create({ price: { currencyCode: 'EURO', amountMinor: '-5' } }), ['product.price', 'product.price.currency_code']],
    [create({ price: { currencyCode: 'USD', amountMinor: '9223372036854775807' } }), ['product.price']],
    [create({}, { requestId: 'r'.repeat(129) }), ['request_id']],
    [{}, ['product']],
    // a new product needs its sku, name and price
    [{ product: { description: 'only this' } }, ['product.sku', 'product.name', 'product.price']],
  ]);
  table('shop.catalog.v1.UpdateProductRequest', [
    // fields left empty are outside an update's mask, not invalid
    [{ product: { id: ID, name: 'Big Mug' }, updateMask: 'name' }, []],
    [{ product: { id: ID, version: '-1' }, updateMask: 'name' }, ['product.version', 'product.name']],
    // the id names the product; a masked name or price may not be emptied, other masked fields may
    [{ product: { id: 'nope', imageUrl: '' }, updateMask: 'imageUrl,description' }, ['product.id']],
    [{ product: { id: ID }, updateMask: 'name,price,category' }, ['product.name', 'product.price']],
    [{ product: { name: 'x' }, updateMask: 'name' }, ['product.id']],
  ]);
  table('shop.catalog.v1.GetProductRequest', [
    [{ productId: ID }, []],
    [{ productId: ID.toUpperCase() }, []],
    [{ productId: '' }, ['product_id']],
    [{ productId: '42' }, ['product_id']],
  ]);
  table('shop.catalog.v1.BatchGetProductsRequest', [
    [{ productIds: [ID, ID] }, []],
    [{ productIds: [] }, ['product_ids']],
    [{ productIds: many(101, () => ID) }, ['product_ids']],
    [{ productIds: [ID, 'nope'] }, ['product_ids[1]']],
  ]);
  table('shop.catalog.v1.DeleteProductRequest', [
    [{ productId: ID, version: '2' }, []],
    [{ productId: '42', version: '-2' }, ['product_id', 'version']],
  ]);
  table('shop.catalog.v1.ListProductsRequest', [
    [{}, []],
    [{ pageSize: -1 }, ['page_size']],
    [{ category: 'Kitchen' }, ['category']],
    [{ nameContains: 'x'.repeat(201) }, ['name_contains']],
    [{ nameContains: 'a\u0000' }, ['name_contains']],
    [{ minPriceMinor: '-1' }, ['min_price_minor']],
    [{ minPriceMinor: '500', maxPriceMinor: '499' }, ['min_price_minor']],
    [{ minPriceMinor: '500', maxPriceMinor: '500' }, []],
    [{ minPriceMinor: '0' }, []],
  ]);
});

describe('users', () => {
  const register = (over: JsonObject): JsonObject => ({ email: 'ada@example.com', password: 'analytical-engine-1', displayName: 'Ada', ...over });
  const email = (value: string): JsonObject => register({ email: value });
  table('shop.users.v1.RegisterRequest', [
    [register({}), []],
    // ordinary addresses, plus tags and subdomains; spaces around are trimmed by the service
    ...['ada+shop@mail.example.co.uk', ' Ada@Example.com ', 'ü@bücher.example', `${'a'.repeat(64)}@example.com`].map((value): Case => [email(value), []]),
    ...['', 'ada', 'ada@', '@example.com', 'ada@example', 'ada@@example.com', 'a da@example.com', 'ada@example..com', 'ada@.example.com', 'ada@example.com\n', 'a\u0000@example.com'].map(
      (value): Case => [email(value), ['email']],
    ),
    [email(`${'a'.repeat(65)}@example.com`), ['email']],
    [email(`${'a'.repeat(60)}@${'b'.repeat(190)}.com`), ['email']],
    // the password: 10 to 128 characters with a letter and a digit (any script's)
    [register({ password: 'ééééééééé٣' }), []],
    [register({ password: 'x1'.repeat(64) }), []],
    [register({ password: 'short1' }), ['password']],
    [register({ password: 'x1'.repeat(64) + 'x' }), ['password']],
    [register({ password: 'onlyletters' }), ['password']],
    [register({ password: '1234567890' }), ['password']],
    // the display name: 1 to 100 characters, not blank, no control characters
    [register({ displayName: 'x'.repeat(100) }), []],
    [register({ displayName: 'x'.repeat(101) }), ['display_name']],
    [register({ displayName: '   ' }), ['display_name']],
    [register({ displayName: '' }), ['display_name']],
    [register({ displayName: 'Ada\nLovelace' }), ['display_name']],
    [{ email: 'nope', password: 'short', displayName: '' }, ['email', 'password', 'password', 'display_name']],
  ]);
  table('shop.users.v1.LoginRequest', [
    [{ email: 'ada@example.com', password: 'x' }, []],
    [{ email: '', password: '' }, ['email', 'password']],
    [{ email: 'a\u0000b@x.example', password: 'x' }, ['email']],
    [{ email: 'ada@example.com', password: 'x'.repeat(1025) }, ['password']],
  ]);
  table('shop.users.v1.UpdateCurrentUserRequest', [
    [{ user: { displayName: 'Ada' }, updateMask: 'displayName' }, []],
    [{ user: { displayName: '  ' }, updateMask: 'displayName' }, ['user.display_name']],
    [{ user: { displayName: '' }, updateMask: 'displayName' }, ['user.display_name']],
    [{ user: { displayName: 'a\u0007' }, updateMask: 'displayName' }, ['user.display_name']],
  ]);
  table('shop.users.v1.ChangePasswordRequest', [
    [{ currentPassword: 'old', newPassword: 'analytical-engine-2' }, []],
    [{ currentPassword: '', newPassword: 'short' }, ['current_password', 'new_password', 'new_password']],
  ]);
  table('shop.users.v1.GetUserRequest', [
    [{ userId: '69040c33-5c8e-59b0-9032-bc23eb34ff6a' }, []],
    [{ userId: 'nope' }, ['user_id']],
  ]);
  table('shop.users.v1.ListUsersRequest', [
    [{ emailPrefix: 'ada' }, []],
    [{ pageSize: -1 }, ['page_size']],
    [{ emailPrefix: 'a\u0000b' }, ['email_prefix']],
    [{ emailPrefix: 'a'.repeat(255) }, ['email_prefix']],
  ]);
  table('shop.users.v1.ListRevokedSessionsRequest', [
    [{}, []],
    [{ afterPosition: '0', maxWait: '30s' }, []],
    [{ afterPosition: '123456789012345678' }, []],
    [{ afterPosition: '-1' }, ['after_position']],
    [{ afterPosition: '01' }, ['after_position']],
    [{ maxWait: '-1s' }, ['max_wait']],
  ]);
  table('shop.users.v1.RefreshTokenRequest', [
    [{ refreshToken: '' }, ['refresh_token']],
    [{ refreshToken: 'a b' }, ['refresh_token']],
  ]);
});
