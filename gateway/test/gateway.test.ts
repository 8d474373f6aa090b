/**
 * The gateway in front of real kit servers (fakes of the shop services on
 * the real runtime: auth by contract access, error details, health), called
 * over real HTTP: security, errors, deadlines, streaming, CORS, operations,
 * load balancing and shutdown.
 */
import { createServer as createHttpServer } from 'node:http';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { sharedContract } from '@shop/kit';
import { createTestAuth, type TestAuth } from '@shop/kit/testing';
import { createGateway, type Gateway, type GatewayDeps, type GatewaySettings } from '../src/create-gateway';
import { MemoryRateLimiter } from '../src/security/rate-limit';
import { loadIoredis, RedisRateLimiter } from '../src/security/redis-rate-limit';
import { openApiPath } from '../src/routing/path-template';
import { detail, errorOf, http } from './support/http';
import { checkOpenApi31 } from './support/openapi-check';
import { startFakeShop, type FakeShop } from './support/shop-backends';

const contract = sharedContract();
let auth: TestAuth;
let shop: FakeShop;
let alice: string;
let bob: string;
let admin: string;
const open: Gateway[] = [];

beforeAll(async () => {
  auth = await createTestAuth();
  shop = await startFakeShop(auth);
  alice = await auth.userToken({ userId: 'alice' });
  bob = await auth.userToken({ userId: 'bob' });
  admin = await auth.userToken({ userId: 'root', roles: ['admin'] });
});

afterAll(async () => {
  await Promise.all(open.map((g) => g.close({ graceMs: 100 })));
  await shop.stop();
  auth.cleanup();
});

/** start runs a gateway on port 0 in front of the given backends (all services on `targets` by default). */
async function start(settings: Partial<GatewaySettings> = {}, targets: readonly string[] = [shop.address], extra: Partial<GatewayDeps> = {}): Promise<{ gateway: Gateway; base: string; port: number }> {
  // The revoked sessions come straight from the test keys, so the backends count only the calls a test makes.
  const gateway = createGateway({ contract, log: pino({ level: 'silent' }), backends: () => targets, settings: { rateLimit: {}, ...settings }, revocations: auth.revocations, ...extra });
  open.push(gateway);
  const port = await gateway.listen(0);
  return { gateway, base: `http://127.0.0.1:${port}`, port };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the gateway', () => {
  let base: string;
  let gateway: Gateway;
  beforeAll(async () => {
    ({ base, gateway } = await start());
  });

  describe('edge security', () => {
    it('serves a public route without a token', async () => {
      const res = await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a');
      expect(res.status).toBe(200);
      expect(res.json.product).toMatchObject({ id: '9e0d0c1a-0000-4000-8000-00000000000a', price: { amountMinor: '1299' }, updateTime: '2024-01-02T03:04:05.678Z' });
    });

    it('refuses a protected route without a token at the edge, with a challenge', async () => {
      const served = shop.seen.served;
      const res = await http(base, 'GET', '/v1/users/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="shop"');
      expect(detail(res, 'google.rpc.ErrorInfo')?.reason).toBe('UNAUTHENTICATED');
      expect(shop.seen.served).toBe(served);
    });

    it('verifies the token with the keys from AuthService.GetJwks and passes it on', async () => {
      const res = await http(base, 'GET', '/v1/users/me', { headers: bearer(alice) });
      expect(res.status).toBe(200);
      expect(res.json.user).toMatchObject({ id: 'alice', roles: ['ROLE_CUSTOMER'] });
    });

    it('reports an expired token as TOKEN_EXPIRED', async () => {
      const expired = await auth.userToken({ userId: 'alice', expiresInSec: -120 });
      const res = await http(base, 'GET', '/v1/users/me', { headers: bearer(expired) });
      expect(res.status).toBe(401);
      expect(detail(res, 'google.rpc.ErrorInfo')?.reason).toBe('TOKEN_EXPIRED');
      expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    });

    it('verifies a token sent to a public route too', async () => {
      const res = await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a', { headers: bearer('not.a.token') });
      expect(res.status).toBe(401);
    });

    it('refuses an authorization header that is not a bearer token', async () => {
      for (const header of ['Basic YWxpY2U6c2VjcmV0', 'Bearer', `Bearer ${alice} extra`]) {
        const res = await http(base, 'GET', '/v1/users/me', { headers: { authorization: header } });
        expect(res.status).toBe(401);
      }
    });

    it('leaves the role check to the service: a customer on an admin route gets 403', async () => {
      const res = await http(base, 'POST', '/v1/products', { headers: bearer(alice), body: { sku: 'X-1', name: 'X', price: { currencyCode: 'EUR', amountMinor: '1' } } });
      expect(res.status).toBe(403);
      expect(errorOf(res).status).toBe('PERMISSION_DENIED');
      const ok = await http(base, 'POST', '/v1/products', { headers: bearer(admin), body: { sku: 'X-1', name: 'X', price: { currencyCode: 'EUR', amountMinor: '1' } } });
      expect(ok.status).toBe(200);
      expect(ok.json.product).toMatchObject({ id: 'p-new', sku: 'X-1' });
    });

    it("answers another user's order as not found", async () => {
      expect((await http(base, 'GET', '/v1/orders/0a11ce00-0000-4000-8000-000000000001', { headers: bearer(alice) })).status).toBe(200);
      const res = await http(base, 'GET', '/v1/orders/0a11ce00-0000-4000-8000-000000000001', { headers: bearer(bob) });
      expect(res.status).toBe(404);
      expect(detail(res, 'google.rpc.ResourceInfo')).toMatchObject({ resourceType: 'order', resourceName: '0a11ce00-0000-4000-8000-000000000001' });
    });

    it('never passes on a client-sent service token or other headers', async () => {
      shop.seen.metadataKeys.length = 0;
      const res = await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a', { headers: { 'x-shop-service-token': 'forged', 'x-custom': '1', cookie: 'a=b', 'x-request-id': 'trace-me-1' } });
      // Had the forged service token reached the service, its runtime would have refused the call.
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('trace-me-1');
      const keys = shop.seen.metadataKeys[0];
      expect(keys).not.toContain('x-shop-service-token');
      expect(keys).not.toContain('x-custom');
      expect(keys).not.toContain('cookie');
      expect(keys).toContain('x-request-id');
    });

    it('checks the contract\'s rules itself, so a request that breaks them costs no upstream call', async () => {
      const res = await http(base, 'POST', '/v1/stock/MUG-001:adjust', { headers: bearer(admin), body: { delta: '1', reason: 'recount\u0000' } });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ status: 'INVALID_ARGUMENT' });
      const badRequest = (res.json.error.details as Array<{ '@type': string; fieldViolations?: unknown }>).find((d) => d['@type'].endsWith('google.rpc.BadRequest'));
      expect(badRequest?.fieldViolations).toEqual([{ field: 'reason', description: 'must not contain control characters' }]);
      const metrics = await http(base, 'GET', '/metrics');
      expect(metrics.text).not.toMatch(/grpc_client_\w+\{[^}]*grpc_method="AdjustStock"/);
    });

    it('forwards the client address it sees in x-forwarded-for, never the client\'s own claim', async () => {
      shop.seen.metadata.length = 0;
      await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a', { headers: { 'x-forwarded-for': '203.0.113.99' } });
      // No trusted proxies: the TCP peer, whatever the client wrote.
      expect(shop.seen.metadata[0]?.['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      const behind = await start({ trustedProxies: 1 });
      shop.seen.metadata.length = 0;
      await http(behind.base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a', { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.99' } });
      // Behind one trusted proxy: the address that proxy saw, not the one the client put first.
      expect(shop.seen.metadata[0]?.['x-forwarded-for']).toBe('203.0.113.99');
    });

    it('never exposes an internal RPC', async () => {
      for (const path of ['/shop.inventory.v1.InventoryService/ReserveStock', '/v1/stock:reserve', '/v1/reservations']) {
        const res = await http(base, 'POST', path, { body: {} });
        expect(res.status).toBe(404);
      }
    });
  });

  describe('errors', () => {
    const list = (token: string) => http(base, 'GET', `/v1/products?pageToken=${token}`);

    it('turns field violations into a readable 400', async () => {
      const res = await list('invalid');
      expect(res.status).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: 'page_size: must be at most 100' });
      expect(detail(res, 'google.rpc.BadRequest')?.fieldViolations).toEqual([{ field: 'page_size', description: 'must be at most 100' }]);
      expect(detail(res, 'google.rpc.ErrorInfo')).toMatchObject({ reason: 'VALIDATION_FAILED', domain: 'shop.example' });
      expect(detail(res, 'google.rpc.RequestInfo')?.requestId).toBe(res.headers.get('x-request-id'));
    });

    it.each([
      ['precondition', 400, 'FAILED_PRECONDITION'],
      ['conflict', 409, 'ABORTED'],
      ['exhausted', 429, 'RESOURCE_EXHAUSTED'],
      ['unavailable', 503, 'UNAVAILABLE'],
      ['crash', 500, 'INTERNAL'],
      ['leak', 500, 'INTERNAL'],
    ])('maps a backend %s to HTTP %i', async (token, status, name) => {
      const res = await list(token);
      expect(res.status).toBe(status);
      expect(errorOf(res).status).toBe(name);
    });

    it('keeps the details a client needs on a 4xx', async () => {
      const res = await list('precondition');
      expect(detail(res, 'google.rpc.PreconditionFailure')?.violations).toEqual([{ type: 'STATE', subject: 'catalog', description: 'frozen' }]);
      expect(errorOf(res).message).toBe('the listing is frozen');
    });

    it('sets Retry-After from RetryInfo on 429 and 503', async () => {
      expect((await list('exhausted')).headers.get('retry-after')).toBe('1');
      const unavailable = await list('unavailable');
      expect(unavailable.headers.get('retry-after')).toBe('3');
      expect(detail(unavailable, 'google.rpc.RetryInfo')?.retryDelay).toBe('2.500s');
    });

    it('never shows a backend message, stack or internal detail on a 5xx', async () => {
      for (const token of ['crash', 'leak', 'unavailable']) {
        const res = await list(token);
        expect(res.text).not.toMatch(/hunter2|db-7|stack|secret|provider is down/);
        expect(['internal error', 'the service is unavailable, try again later']).toContain(errorOf(res).message);
      }
    });
  });

  describe('deadlines', () => {
    it("turns a client's grpc-timeout into the call's deadline and answers 504 when it passes", async () => {
      const started = Date.now();
      const res = await http(base, 'GET', '/v1/products?pageToken=slow', { headers: { 'grpc-timeout': '200m' } });
      expect(res.status).toBe(504);
      expect(errorOf(res).status).toBe('DEADLINE_EXCEEDED');
      expect(Date.now() - started).toBeLessThan(1_500);
      const deadline = shop.seen.deadlinesMs[shop.seen.deadlinesMs.length - 1];
      expect(deadline).toBeLessThanOrEqual(200);
    });

    it('caps a grpc-timeout above the bound', async () => {
      await http(base, 'GET', '/v1/products', { headers: { 'grpc-timeout': '99999S' } });
      const deadline = shop.seen.deadlinesMs[shop.seen.deadlinesMs.length - 1];
      expect(deadline).toBeLessThanOrEqual(30_000);
      expect(deadline).toBeGreaterThan(25_000);
    });

    it('uses the default request timeout when none is sent', async () => {
      await http(base, 'GET', '/v1/products');
      expect(shop.seen.deadlinesMs[shop.seen.deadlinesMs.length - 1]).toBeLessThanOrEqual(10_000);
    });

    it('refuses a malformed grpc-timeout', async () => {
      const res = await http(base, 'GET', '/v1/products', { headers: { 'grpc-timeout': 'soon' } });
      expect(res.status).toBe(400);
    });
  });

  describe('server streaming', () => {
    it('relays WatchOrder as server-sent events by default', async () => {
      const res = await http(base, 'GET', '/v1/orders/0a11ce00-0000-4000-8000-000000000001:watch', { headers: bearer(alice) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const events = res.text.split('\n\n').filter(Boolean);
      expect(events.map((e) => JSON.parse(e.replace(/^data: /, '')).order.state)).toEqual(['ORDER_STATE_PENDING', 'ORDER_STATE_CONFIRMED', 'ORDER_STATE_SHIPPED']);
    });

    it('relays newline-delimited JSON when asked', async () => {
      const res = await http(base, 'GET', '/v1/orders/0a11ce00-0000-4000-8000-000000000001:watch', { headers: { ...bearer(alice), accept: 'application/x-ndjson' } });
      expect(res.headers.get('content-type')).toBe('application/x-ndjson');
      const lines = res.text.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l.result.order.state)).toEqual(['ORDER_STATE_PENDING', 'ORDER_STATE_CONFIRMED', 'ORDER_STATE_SHIPPED']);
    });

    it('answers a stream that fails before its first message with a normal JSON error', async () => {
      const res = await http(base, 'GET', '/v1/orders/0b0b0000-0000-4000-8000-000000000002:watch', { headers: bearer(alice) });
      expect(res.status).toBe(404);
      expect(errorOf(res).status).toBe('NOT_FOUND');
    });

    it('ends a stream that fails midway with an error event, and with an error line in NDJSON', async () => {
      const sse = await http(base, 'GET', '/v1/orders/0b0b0000-0000-4000-8000-000000000002:watch', { headers: bearer(bob) });
      expect(sse.status).toBe(200);
      const events = sse.text.split('\n\n').filter(Boolean);
      expect(events).toHaveLength(2);
      expect(events[1]).toMatch(/^event: error\ndata: /);
      expect(JSON.parse(events[1].split('data: ')[1]).status).toBe('UNAVAILABLE');
      const ndjson = await http(base, 'GET', '/v1/orders/0b0b0000-0000-4000-8000-000000000002:watch', { headers: { ...bearer(bob), accept: 'application/x-ndjson' } });
      const lines = ndjson.text.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines[1].error).toMatchObject({ code: 503, status: 'UNAVAILABLE' });
    });

    it('cancels the backend stream when the client goes away', async () => {
      const cancelledBefore = shop.seen.cancelledStreams;
      const controller = new AbortController();
      const res = await fetch(`${base}/v1/orders/0a11ce00-0000-4000-8000-000000000001:watch`, { headers: { ...bearer(alice), 'x-test-long': '1' }, signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await waitFor(() => shop.seen.cancelledStreams > cancelledBefore);
    });
  });

  describe('operations', () => {
    it('answers /healthz while alive', async () => {
      const res = await http(base, 'GET', '/healthz');
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: 'ok' });
    });

    it('answers /readyz with every backend service SERVING', async () => {
      const res = await http(base, 'GET', '/readyz');
      expect(res.status).toBe(200);
      expect(res.json.services).toMatchObject({ 'shop.catalog.v1.CatalogService': 'SERVING', 'shop.orders.v1.OrderService': 'SERVING' });
    });

    it('serves Prometheus metrics by route template', async () => {
      await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a');
      const res = await http(base, 'GET', '/metrics');
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/http_server_requests_total\{route="\/v1\/products\/\{product_id\}",method="GET",status="200"\} \d+/);
      expect(res.text).toMatch(/grpc_client_handled_total\{grpc_type="unary",grpc_service="shop.catalog.v1.CatalogService",grpc_method="GetProduct",grpc_code="OK"\} \d+/);
      expect(res.text).toContain('process_cpu_user_seconds_total');
    });

    it('serves a valid OpenAPI 3.1 document of every route it serves, and the docs page with its assets, from this origin only', async () => {
      const doc = await http(base, 'GET', '/openapi.json');
      expect(doc.json.openapi).toBe('3.1.0');
      expect(checkOpenApi31(doc.json)).toEqual([]);
      for (const route of gateway.routes) {
        const item = doc.json.paths[openApiPath(route.template)];
        expect(item?.[route.httpMethod.toLowerCase()] ?? item?.['x-additionalOperations']?.[route.httpMethod]).toBeDefined();
      }
      const page = await http(base, 'GET', '/docs');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src '(none|self)'/);
      expect(page.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i);
      expect(page.text).toContain('href="/favicon.ico"');
      for (const asset of page.text.match(/(?:src|href)="(\/docs\/[^"]+|\/favicon\.ico)"/g) ?? []) {
        const path = asset.replace(/^(?:src|href)="|"$/g, '');
        expect((await http(base, 'GET', path)).status).toBe(200);
      }
    });

    it('takes only GET and HEAD on its own paths', async () => {
      const res = await http(base, 'POST', '/healthz', { body: {} });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(detail(res, 'google.rpc.ErrorInfo')).toMatchObject({ reason: 'METHOD_NOT_ALLOWED', domain: 'shop.example' });
    });
  });
});

describe('trace context', () => {
  const provider = new BasicTracerProvider();
  const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it("continues the caller's trace and passes the gateway's span on as the parent", async () => {
    const { base } = await start({}, [shop.address], { tracer: provider.getTracer('test') });
    await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a', { headers: { traceparent: parent, tracestate: 'vendor=1', baggage: 'tenant=acme' } });
    const sent = shop.seen.metadata[shop.seen.metadata.length - 1];
    expect(sent.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(sent.traceparent).not.toContain('b7ad6b7169203331');
    expect(sent.tracestate).toBe('vendor=1');
    expect(sent.baggage).toBe('tenant=acme');
  });

  it('puts the trace ids on its log lines about a request', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    // No backend listens: the call fails UNAVAILABLE and the gateway logs it.
    const gateway = createGateway({ contract, log, backends: () => ['127.0.0.1:1'], settings: { rateLimit: {} }, tracer: provider.getTracer('test') });
    open.push(gateway);
    const base = `http://127.0.0.1:${await gateway.listen(0)}`;
    const res = await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a', { headers: { traceparent: parent } });
    expect(res.status).toBe(503);
    const failed = lines.find((l) => l.msg === 'upstream call failed');
    expect(failed).toMatchObject({ requestId: res.headers.get('x-request-id'), trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(failed?.span_id).not.toBe('b7ad6b7169203331');
  });

  it('starts a trace when the caller sends none', async () => {
    const { base } = await start({}, [shop.address], { tracer: provider.getTracer('test') });
    await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a');
    expect(shop.seen.metadata[shop.seen.metadata.length - 1].traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });
});

(process.env.TEST_REDIS_URL ? describe : describe.skip)('rate limits shared through Redis', () => {
  it('limits a client across gateway replicas as one', async () => {
    const keyPrefix = `gw-test-${Date.now()}:`;
    const limiter = () => new RedisRateLimiter({ client: loadIoredis(process.env.TEST_REDIS_URL!)!, fallback: new MemoryRateLimiter(), timeoutMs: 1_000, keyPrefix });
    const settings = { rateLimit: { ip: { perSecond: 0.5, burst: 6 } } };
    const first = await start(settings, [shop.address], { limiter: limiter() });
    const second = await start(settings, [shop.address], { limiter: limiter() });
    // Let both clients connect: they answer from memory until then.
    await new Promise((r) => setTimeout(r, 200));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await http(i % 2 === 0 ? first.base : second.base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const refused = await http(second.base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-limit')).toBe('6');
  });
});

describe('readiness', () => {
  it('is 503 while a backend is down', async () => {
    const { base } = await start({}, ['127.0.0.1:1']);
    const res = await http(base, 'GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.json.services['shop.catalog.v1.CatalogService']).toBe('UNREACHABLE');
  });

  it('is 503 for a backend that does not serve the service', async () => {
    const plain = createHttpServer((_req, res) => res.end('hello'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const port = (plain.address() as { port: number }).port;
    const { base } = await start({ connectTimeoutMs: 500 }, [`127.0.0.1:${port}`]);
    expect((await http(base, 'GET', '/readyz')).status).toBe(503);
    expect((await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')).status).toBe(503);
    plain.close();
  });
});

describe('CORS', () => {
  it('sends no CORS headers unless origins are configured', async () => {
    const { base } = await start();
    const res = await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a', { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight from an allowed origin and marks its responses', async () => {
    const { base } = await start({ corsOrigins: ['https://shop.example'] });
    const pre = await fetch(`${base}/v1/products/9e0d0c1a-0000-4000-8000-00000000000a`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
    const res = await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a', { headers: { origin: 'https://shop.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('access-control-expose-headers')).toContain('retry-after');
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('refuses a preflight from another origin', async () => {
    const { base } = await start({ corsOrigins: ['https://shop.example'] });
    const res = await fetch(`${base}/v1/products/9e0d0c1a-0000-4000-8000-00000000000a`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('load balancing', () => {
  it('spreads calls round-robin over every address of a service', async () => {
    const second = await startFakeShop(auth);
    try {
      const before = [shop.seen.served, second.seen.served];
      const { base } = await start({}, [shop.address, second.address]);
      for (let i = 0; i < 20; i++) expect((await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')).status).toBe(200);
      expect(shop.seen.served - before[0]).toBe(10);
      expect(second.seen.served - before[1]).toBe(10);
    } finally {
      await second.stop();
    }
  });

  it('keeps serving from the replicas that are up', async () => {
    const { base } = await start({ connectTimeoutMs: 500 }, ['127.0.0.1:1', shop.address]);
    for (let i = 0; i < 6; i++) expect((await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')).status).toBe(200);
  });

  it('reconnects when a backend restarts', async () => {
    const replica = await startFakeShop(auth);
    const { base } = await start({ connectTimeoutMs: 500 }, [replica.address]);
    expect((await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')).status).toBe(200);
    await replica.stop();
    expect((await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')).status).toBe(503);
    const again = await startFakeShop(auth, replica.port);
    try {
      await waitFor(async () => (await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')).status === 200, 10_000);
    } finally {
      await again.stop();
    }
  });
});

describe('the node-http2 transport', () => {
  it('serves unary calls, errors and streams like the lean client', async () => {
    const { base } = await start({ transport: 'node-http2' });
    expect((await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')).json.product.id).toBe('9e0d0c1a-0000-4000-8000-00000000000a');
    expect((await http(base, 'GET', '/v1/products?pageToken=invalid')).status).toBe(400);
    expect((await http(base, 'GET', '/v1/products?pageToken=slow', { headers: { 'grpc-timeout': '100m' } })).status).toBe(504);
    const stream = await http(base, 'GET', '/v1/orders/0a11ce00-0000-4000-8000-000000000001:watch', { headers: { ...bearer(alice), accept: 'application/x-ndjson' } });
    expect(stream.text.trim().split('\n')).toHaveLength(3);
  });
});

describe('graceful shutdown', () => {
  it('finishes the calls in flight, turns /readyz to 503 and then stops listening', async () => {
    const { gateway, base } = await start();
    const slow = http(base, 'GET', '/v1/orders/0a11ce00-0000-4000-8000-000000000001:watch', { headers: bearer(alice) });
    const inFlight = http(base, 'GET', '/v1/products?pageToken=slow', { headers: { 'grpc-timeout': '1S' } });
    await new Promise((r) => setTimeout(r, 30));
    const closing = gateway.close({ graceMs: 3_000, drainDelayMs: 300 });
    const ready = await http(base, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('connection')).toBe('close');
    expect((await inFlight).status).toBe(504);
    expect((await slow).status).toBe(200);
    await closing;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
