/**
 * End to end through the real services: each service present under
 * services/ runs as it does in production (its own runtime, embedded
 * PostgreSQL in a temp directory), the gateway in front of them fetches the
 * token keys from the real users service, and every step is an HTTP call a
 * client could make with curl. A service that does not exist yet is left
 * unreachable, and its part of the suite is skipped with a note.
 */
import { randomBytes } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { createPromiseClient } from '@shop/sdk/lib/promise-client';
import { ShopError } from '@shop/sdk/lib/errors';
import { AuthServiceDefinition } from '@shop/sdk/ts/shop/users/v1/auth_service';
import { OrderServiceDefinition } from '@shop/sdk/ts/shop/orders/v1/order_service';
import { ScalarType, type DescField } from '@bufbuild/protobuf';
import type { Gateway } from '../src/create-gateway';
import { openApiPath } from '../src/routing/path-template';
import { detail, errorOf, http } from './support/http';
import { MESH_ADMIN, present, SERVICES, startRealMesh, type RealMesh, type ServiceName } from './support/real-mesh';

type Name = ServiceName;
const available = SERVICES.filter(present);
const missing = SERVICES.filter((s) => !present(s));
if (missing.length > 0) console.warn(`e2e: not yet built, their routes answer 503 and their tests are skipped: ${missing.join(', ')}`);

const ADMIN = MESH_ADMIN;
const PASSWORD = 'correct-horse-battery-1';
const run = randomBytes(3).toString('hex').toUpperCase();

let mesh: RealMesh;
let running: RealMesh['running'];
let gateway: Gateway;
let base: string;
let testAuth: RealMesh['auth'];

beforeAll(async () => {
  mesh = await startRealMesh();
  ({ running, gateway, base, auth: testAuth } = mesh);
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
});

const when = (...names: Name[]) => (names.every(present) ? describe : describe.skip);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function signUp(tag: string): Promise<{ email: string; token: string; id: string }> {
  const email = `${tag}-${randomBytes(4).toString('hex')}@example.com`;
  const registered = await http(base, 'POST', '/v1/users', { body: { email, password: PASSWORD, displayName: `E2E ${tag}` } });
  expect(registered.status).toBe(200);
  const login = await http(base, 'POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
  expect(login.status).toBe(200);
  return { email, token: login.json.tokens.accessToken, id: registered.json.user.id };
}

async function adminToken(): Promise<string> {
  const login = await http(base, 'POST', '/v1/auth/login', { body: { email: ADMIN.email, password: ADMIN.password } });
  expect(login.status).toBe(200);
  return login.json.tokens.accessToken;
}

describe('end to end through the gateway', () => {
  it('is ready only when every backend is', async () => {
    const res = await http(base, 'GET', '/readyz');
    expect(res.status).toBe(missing.length === 0 ? 200 : 503);
    for (const name of available) {
      const services = Object.entries(res.json.services as Record<string, string>).filter(([s]) => s.startsWith(`shop.${name}.`));
      for (const [, status] of services) expect(status).toBe('SERVING');
    }
  });

  when('users')('users and auth', () => {
    it('registers, logs in, reads and updates the account with REST calls', async () => {
      const me = await signUp('alice');
      const login = await http(base, 'POST', '/v1/auth/login', { body: { email: me.email, password: PASSWORD } });
      expect(login.json.tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: expect.stringMatching(/^\d+s$/) });
      expect(login.json.user).not.toHaveProperty('password');

      const current = await http(base, 'GET', '/v1/users/me', { headers: bearer(me.token) });
      expect(current.status).toBe(200);
      expect(current.json.user).toMatchObject({ id: me.id, email: me.email, roles: ['ROLE_CUSTOMER'], createTime: expect.any(String) });

      const renamed = await http(base, 'PATCH', '/v1/users/me?updateMask=displayName', { headers: bearer(me.token), body: { displayName: 'Alice Liddell' } });
      expect(renamed.status).toBe(200);
      expect(renamed.json.user.displayName).toBe('Alice Liddell');
      // No mask: the gateway infers it from the body.
      const inferred = await http(base, 'PATCH', '/v1/users/me', { headers: bearer(me.token), body: { display_name: 'Alice L.' } });
      expect(inferred.status).toBe(200);
      expect(inferred.json.user.displayName).toBe('Alice L.');
    });

    it('answers bad credentials, duplicates and invalid input with 4xx JSON errors', async () => {
      const me = await signUp('bob');
      const wrong = await http(base, 'POST', '/v1/auth/login', { body: { email: me.email, password: 'wrong-password-1' } });
      expect(wrong.status).toBe(401);
      expect(detail(wrong, 'google.rpc.ErrorInfo')?.reason).toBe('INVALID_CREDENTIALS');
      // No token was sent and login needs none: nothing to challenge (RFC 6750 3.1: no error code without a token).
      expect(wrong.headers.get('www-authenticate')).toBeNull();
      const duplicate = await http(base, 'POST', '/v1/users', { body: { email: me.email, password: PASSWORD, displayName: 'again' } });
      expect(duplicate.status).toBe(409);
      const weak = await http(base, 'POST', '/v1/users', { body: { email: `weak-${run}@example.com`, password: 'short', displayName: 'w' } });
      expect(weak.status).toBe(400);
      expect(detail(weak, 'google.rpc.BadRequest')?.fieldViolations?.[0]?.field).toBe('password');
    });

    it('keeps admin routes for admins, checked by the service', async () => {
      const me = await signUp('carol');
      const denied = await http(base, 'GET', '/v1/users', { headers: bearer(me.token) });
      expect(denied.status).toBe(403);
      const listed = await http(base, 'GET', '/v1/users?pageSize=2', { headers: bearer(await adminToken()) });
      expect(listed.status).toBe(200);
      expect(listed.json.users.length).toBeGreaterThan(0);
    });

    it('refuses a token the users service did not sign', async () => {
      const forged = await testAuth.userToken({ userId: 'alice', roles: ['admin'] });
      const res = await http(base, 'GET', '/v1/users/me', { headers: bearer(forged) });
      expect(res.status).toBe(401);
    });
  });

  when('users', 'catalog')('catalog', () => {
    it('creates, reads, lists, updates and deletes a product', async () => {
      const admin = await adminToken();
      const customer = await signUp('dave');
      const input = { sku: `E2E-${run}`, name: 'End to End Mug', description: 'Tested through the gateway.', price: { currencyCode: 'EUR', amountMinor: '1499' }, category: `e2e-${run.toLowerCase()}` };

      const refused = await http(base, 'POST', '/v1/products', { headers: bearer(customer.token), body: input });
      expect(refused.status).toBe(403);

      const created = await http(base, 'POST', '/v1/products', { headers: bearer(admin), body: input });
      expect(created.status).toBe(200);
      const product = created.json.product;
      expect(product).toMatchObject({ sku: input.sku, price: { currencyCode: 'EUR', amountMinor: '1499' }, version: expect.any(String), createTime: expect.any(String) });

      const fetched = await http(base, 'GET', `/v1/products/${product.id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.json.product).toEqual(product);

      const listed = await http(base, 'GET', `/v1/products?category=${input.category}&pageSize=5`);
      expect(listed.json.products.map((p: { id: string }) => p.id)).toEqual([product.id]);

      const batch = await http(base, 'GET', `/v1/products:batchGet?productIds=${product.id}&product_ids=${product.id}`);
      expect(batch.status).toBe(200);
      expect(batch.json.products).toHaveLength(2);

      const renamed = await http(base, 'PATCH', `/v1/products/${product.id}?updateMask=name,price`, { headers: bearer(admin), body: { name: 'Renamed Mug', price: { currencyCode: 'EUR', amountMinor: '1599' } } });
      expect(renamed.status).toBe(200);
      expect(renamed.json.product).toMatchObject({ name: 'Renamed Mug', price: { amountMinor: '1599' } });
      expect(Number(renamed.json.product.version)).toBe(Number(product.version) + 1);

      const protoMask = await http(base, 'PATCH', `/v1/products/${product.id}?update_mask=image_url`, { headers: bearer(admin), body: { image_url: 'https://images.shop.example/renamed.jpg' } });
      expect(protoMask.status).toBe(200);
      expect(protoMask.json.product.imageUrl).toBe('https://images.shop.example/renamed.jpg');

      const deleted = await http(base, 'DELETE', `/v1/products/${product.id}`, { headers: bearer(admin) });
      expect(deleted.status).toBe(200);
      expect(deleted.json).toEqual({});
      expect((await http(base, 'GET', `/v1/products/${product.id}`)).status).toBe(404);
    });

    it('answers invalid products with a readable 400 from the service', async () => {
      const res = await http(base, 'POST', '/v1/products', { headers: bearer(await adminToken()), body: { sku: 'bad sku!', name: '', price: { currencyCode: 'EUR', amountMinor: '-1' } } });
      expect(res.status).toBe(400);
      expect(errorOf(res).status).toBe('INVALID_ARGUMENT');
      expect(detail(res, 'google.rpc.BadRequest')?.fieldViolations.length).toBeGreaterThan(0);
    });
  });

  when('users', 'inventory')('inventory', () => {
    it('sets, adjusts and reads stock', async () => {
      const admin = await adminToken();
      const sku = `INV-${run}`;
      const set = await http(base, 'PUT', `/v1/stock/${sku}`, { headers: bearer(admin), body: { onHand: '10' } });
      expect(set.status).toBe(200);
      expect(set.json.stock).toMatchObject({ sku, onHand: '10', available: '10' });
      const adjusted = await http(base, 'POST', `/v1/stock/${sku}:adjust`, { headers: bearer(admin), body: { delta: '-3', reason: 'e2e' } });
      expect(adjusted.status).toBe(200);
      expect(adjusted.json.stock.onHand).toBe('7');
      const read = await http(base, 'GET', `/v1/stock/${sku}`);
      expect(read.json.stock).toMatchObject({ sku, onHand: '7' });
      const batch = await http(base, 'GET', `/v1/stock:batchGet?skus=${sku}`);
      expect(batch.status).toBe(200);
      const customer = await signUp('erin');
      expect((await http(base, 'PUT', `/v1/stock/${sku}`, { headers: bearer(customer.token), body: { onHand: '99' } })).status).toBe(403);
    });
  });

  when('users', 'catalog', 'inventory', 'orders', 'payments')('orders', () => {
    it('places an order, follows it over SSE and hides it from other users', async () => {
      const admin = await adminToken();
      const sku = `ORD-${run}`;
      const created = await http(base, 'POST', '/v1/products', { headers: bearer(admin), body: { sku, name: 'Order Mug', price: { currencyCode: 'EUR', amountMinor: '999' } } });
      await http(base, 'PUT', `/v1/stock/${sku}`, { headers: bearer(admin), body: { onHand: '5' } });
      const buyer = await signUp('frank');
      const placed = await http(base, 'POST', '/v1/orders', {
        headers: bearer(buyer.token),
        body: {
          idempotencyKey: `e2e-${run}`,
          items: [{ productId: created.json.product.id, quantity: '1' }],
          shippingAddress: { recipient: 'Frank', lines: ['1 Road'], city: 'Town', postalCode: '12345', countryCode: 'DE' },
          paymentToken: 'tok_approve',
        },
      });
      expect(placed.status).toBe(200);
      const order = placed.json.order;
      expect(order).toMatchObject({ userId: buyer.id, items: [expect.objectContaining({ productId: created.json.product.id, quantity: '1' })] });
      // The watch sends the order as it stands, then each change; it ends at a terminal state or at the deadline.
      const watch = await http(base, 'GET', `/v1/orders/${order.id}:watch`, { headers: { ...bearer(buyer.token), 'grpc-timeout': '3S' } });
      expect(watch.status).toBe(200);
      expect(watch.headers.get('content-type')).toMatch(/text\/event-stream/);
      const events = watch.text.split('\n\n').filter(Boolean);
      const first = JSON.parse(events[0].replace(/^data: /, ''));
      expect(first.order).toMatchObject({ id: order.id, state: expect.stringMatching(/^ORDER_STATE_/) });
      const last = events[events.length - 1];
      if (last.startsWith('event: error')) expect(JSON.parse(last.split('data: ')[1]).status).toBe('DEADLINE_EXCEEDED');
      const ndjson = await http(base, 'GET', `/v1/orders/${order.id}:watch`, { headers: { ...bearer(buyer.token), accept: 'application/x-ndjson', 'grpc-timeout': '500m' } });
      expect(JSON.parse(ndjson.text.split('\n')[0]).result.order.id).toBe(order.id);
      const other = await signUp('grace');
      expect((await http(base, 'GET', `/v1/orders/${order.id}`, { headers: bearer(other.token) })).status).toBe(404);
    });

    it('refuses a deleted user\'s token within 5 s, at the gateway and at the services themselves', async () => {
      const gone = await signUp('heidi');
      expect((await http(base, 'GET', '/v1/orders', { headers: bearer(gone.token) })).status).toBe(200);
      const orders = createPromiseClient(OrderServiceDefinition, running.get('orders')!.address, credentials.createInsecure(), { defaultDeadlineMs: 3_000 });
      try {
        await orders.listOrders({}, { metadata: bearer(gone.token) });

        expect((await http(base, 'DELETE', `/v1/users/me?password=${encodeURIComponent(PASSWORD)}`, { headers: bearer(gone.token) })).status).toBe(200);
        const deletedAt = Date.now();

        // Before: 200 on GET /v1/orders and a CONFIRMED order for the token's remaining 15 minutes.
        let listed = await http(base, 'GET', '/v1/orders', { headers: bearer(gone.token) });
        while (listed.status === 200 && Date.now() - deletedAt < 5_000) {
          await new Promise((r) => setTimeout(r, 50));
          listed = await http(base, 'GET', '/v1/orders', { headers: bearer(gone.token) });
        }
        expect(listed.status).toBe(401);
        expect(detail(listed, 'google.rpc.ErrorInfo')?.reason).toBe('SESSION_REVOKED');
        const placed = await http(base, 'POST', '/v1/orders', {
          headers: bearer(gone.token),
          body: { idempotencyKey: `gone-${run}`, items: [{ productId: '00000000-0000-4000-8000-000000000000', quantity: '1' }], paymentToken: 'tok_approve' },
        });
        expect(placed.status).toBe(401);

        // The orders service refuses it too, without the gateway in front.
        let direct: unknown;
        do {
          direct = await orders.listOrders({}, { metadata: bearer(gone.token) }).then(
            () => undefined,
            (err: unknown) => err,
          );
          if (direct === undefined) await new Promise((r) => setTimeout(r, 50));
        } while (direct === undefined && Date.now() - deletedAt < 5_000);
        expect(direct).toBeInstanceOf(ShopError);
        expect((direct as ShopError).code).toBe(16);
        expect((direct as ShopError).reason).toBe('SESSION_REVOKED');

        // The list is public, like the keys: any party verifying tokens can honour it.
        const sid = (JSON.parse(Buffer.from(gone.token.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
        const listedSessions = await http(base, 'GET', '/v1/auth/revoked-sessions');
        expect(listedSessions.status).toBe(200);
        const page = listedSessions.json as { sessions: Array<{ sessionId: string; expireTime: string }>; position: string };
        expect(page.sessions.map((s) => s.sessionId)).toContain(sid);
        // A long poll asking to wait past the caller's deadline answers before it, not 504.
        const polled = await http(base, 'GET', `/v1/auth/revoked-sessions?afterPosition=${page.position}&maxWait=30s`, { headers: { 'grpc-timeout': '1500m' } });
        expect(polled.status).toBe(200);
        expect(polled.json).toMatchObject({ position: page.position });
      } finally {
        orders.close();
      }
    });
  });

  when('users', 'catalog', 'inventory', 'orders', 'payments')('control characters (the contract\'s printable rule)', () => {
    // Before: each of these reached PostgreSQL, which refuses U+0000: 500 INTERNAL and an error log.
    const NUL = '\u0000';
    const violations = (res: { json: unknown }) =>
      ((detail(res as never, 'google.rpc.BadRequest') as { fieldViolations?: Array<{ field: string; description: string }> } | undefined)?.fieldViolations ?? []).map((v) => v.field);

    it('are a 400 naming the field on login, the admin user list, orders, cancellations and stock changes', async () => {
      const admin = await adminToken();
      const buyer = await signUp('nul');
      const login = await http(base, 'POST', '/v1/auth/login', { body: { email: `a${NUL}b@x.example`, password: 'x' } });
      expect(login.status).toBe(400);
      expect(violations(login)).toEqual(['email']);
      const listed = await http(base, 'GET', '/v1/users?emailPrefix=a%00b', { headers: bearer(admin) });
      expect(listed.status).toBe(400);
      expect(violations(listed)).toEqual(['email_prefix']);

      const address = { recipient: 'Nul', lines: ['1 Road'], city: 'Town', postalCode: '12345', region: 'BY', countryCode: 'DE' };
      const order = (change: Record<string, unknown>, token = 'tok_approve') =>
        http(base, 'POST', '/v1/orders', {
          headers: bearer(buyer.token),
          body: { idempotencyKey: `nul-${randomBytes(4).toString('hex')}`, items: [{ productId: '00000000-0000-4000-8000-000000000000', quantity: '1' }], shippingAddress: { ...address, ...change }, paymentToken: token },
        });
      for (const [field, change] of [
        ['shipping_address.recipient', { recipient: `Nu${NUL}l` }],
        ['shipping_address.lines[0]', { lines: [`1 Road${NUL}`] }],
        ['shipping_address.city', { city: `T${NUL}own` }],
        ['shipping_address.postal_code', { postalCode: `123${NUL}45` }],
        ['shipping_address.region', { region: `B${NUL}Y` }],
      ] as const) {
        const placed = await order(change);
        expect({ field, status: placed.status }).toEqual({ field, status: 400 });
        expect(violations(placed)).toContain(field);
      }
      const tokenPlaced = await order({}, `tok_${NUL}approve`);
      expect(tokenPlaced.status).toBe(400);
      expect(violations(tokenPlaced)).toContain('payment_token');

      const cancelled = await http(base, 'POST', '/v1/orders/00000000-0000-4000-8000-000000000000:cancel', { headers: bearer(buyer.token), body: { reason: `changed${NUL}` } });
      expect(cancelled.status).toBe(400);
      expect(violations(cancelled)).toEqual(['reason']);
      const adjusted = await http(base, 'POST', `/v1/stock/NUL-${run}:adjust`, { headers: bearer(admin), body: { delta: '1', reason: `recount${NUL}` } });
      expect(adjusted.status).toBe(400);
      expect(violations(adjusted)).toEqual(['reason']);
    });

    it('never answer 5xx, in any string field of any route', async () => {
      // Every route, every string field it takes (path, query, body), with a NUL in it; the other path variables get a harmless value.
      const admin = await adminToken();
      const failures: string[] = [];
      for (const route of gateway.routes.filter((r) => !r.streaming)) {
        const variables = route.template.variables.map((v) => v.fieldPath.join('.'));
        const path = (nulIn?: string) => openApiPath(route.template).replace(/\{([^}]+)\}/g, (_, name: string) => (name === nulIn ? 'a%00b' : 'x-1'));
        const strings = (desc: typeof route.input) => desc.fields.filter((f) => (f.fieldKind === 'scalar' || f.fieldKind === 'list') && f.scalar === ScalarType.STRING);
        const cases: Array<{ field: string; path: string; query?: string; body?: object }> = variables.map((v) => ({ field: v, path: path(v) }));
        const value = (f: DescField) => (f.fieldKind === 'list' ? [`a${NUL}b`] : `a${NUL}b`);
        if (route.body === '*') {
          for (const f of strings(route.input).filter((f) => !variables.includes(f.name))) cases.push({ field: f.name, path: path(), body: { [f.jsonName]: value(f) } });
          // One level down: the string fields of message fields (an address, an order's items).
          for (const m of route.input.fields.filter((f) => f.message !== undefined && f.message.typeName.startsWith('shop.') && f.fieldKind !== 'map')) {
            for (const f of strings(m.message!)) {
              const inner = { [f.jsonName]: value(f) };
              cases.push({ field: `${m.name}.${f.name}`, path: path(), body: { [m.jsonName]: m.fieldKind === 'list' ? [inner] : inner } });
            }
          }
        } else if (route.bodyField?.message !== undefined) {
          for (const f of strings(route.bodyField.message)) cases.push({ field: `${route.body}.${f.name}`, path: path(), body: { [f.jsonName]: value(f) } });
        }
        if (route.body !== '*') {
          for (const f of strings(route.input).filter((f) => !variables.includes(f.name) && f.name !== route.body)) {
            cases.push({ field: f.name, path: path(), query: `${f.jsonName}=a%00b` });
          }
        }
        for (const c of cases) {
          const res = await http(base, route.httpMethod, c.query === undefined ? c.path : `${c.path}?${c.query}`, { headers: bearer(admin), ...(c.body === undefined ? {} : { body: c.body }) });
          if (res.status >= 500) failures.push(`${route.httpMethod} ${route.template.source} ${c.field}: ${res.status} ${res.text.slice(0, 160)}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('are INVALID_ARGUMENT naming the field on gRPC Login', async () => {
      const auth = createPromiseClient(AuthServiceDefinition, running.get('users')!.address, credentials.createInsecure(), { defaultDeadlineMs: 3_000 });
      try {
        const refused = (await auth.login({ email: `a${NUL}b@x.example`, password: 'x' }).catch((e: unknown) => e)) as ShopError;
        expect(refused).toBeInstanceOf(ShopError);
        expect(refused.code).toBe(3);
        expect(refused.errorDetails.badRequest?.fieldViolations?.map((v) => v.field)).toEqual(['email']);
      } finally {
        auth.close();
      }
    });
  });

  it('answers 503 with a JSON error for a service that is not running', async () => {
    const down = missing.find((m) => m !== 'users');
    if (down === undefined) return;
    const path = { catalog: '/v1/products/x', inventory: '/v1/stock/X', orders: '/v1/orders', payments: '/v1/payments/x', shipping: '/v1/orders/x/shipment', users: '/v1/users/me' }[down];
    const token = present('users') ? (await signUp('henry')).token : await testAuth.userToken({ userId: 'h' });
    const res = await http(base, 'GET', path, { headers: bearer(token) });
    expect(res.status).toBe(503);
    expect(errorOf(res).status).toBe('UNAVAILABLE');
  });
});
