/**
 * The negative suite: every kind of bad request gets the right 4xx with a
 * JSON error body, never a 5xx, and the gateway keeps serving afterwards.
 */
import { request } from 'node:http';
import pino from 'pino';
import { sharedContract } from '@shop/kit';
import { createTestAuth, type TestAuth } from '@shop/kit/testing';
import { createGateway, type Gateway } from '../src/create-gateway';
import { isReason } from '../src/errors/reason';
import { detail, errorOf, http, rawHttp, type HttpResult } from './support/http';
import { startFakeShop, type FakeShop } from './support/shop-backends';
import { badTokens, type BadTokens } from './support/tokens';

const contract = sharedContract();
let auth: TestAuth;
let shop: FakeShop;
let tokens: BadTokens;
let alice: string;
let bob: string;
let gateway: Gateway;
let base: string;
let port: number;
const answered: number[] = [];

beforeAll(async () => {
  auth = await createTestAuth();
  shop = await startFakeShop(auth);
  tokens = await badTokens(auth);
  alice = await auth.userToken({ userId: 'alice' });
  bob = await auth.userToken({ userId: 'bob' });
  gateway = createGateway({
    contract,
    log: pino({ level: 'silent' }),
    backends: () => [shop.address],
    settings: { rateLimit: {}, maxBodyBytes: 64 * 1024, maxJsonDepth: 16, maxHeaderBytes: 8 * 1024 },
  });
  port = await gateway.listen(0);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await gateway.close({ graceMs: 100 });
  await shop.stop();
  auth.cleanup();
});

async function call(method: string, path: string, options: Parameters<typeof http>[3] = {}): Promise<HttpResult> {
  const res = await http(base, method, path, options);
  answered.push(res.status);
  return res;
}

/** callWithBody sends a JSON body with any method (fetch refuses one on GET). */
function callWithBody(method: string, path: string, body: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        answered.push(res.statusCode ?? 0);
        resolve({ status: res.statusCode ?? 0, headers: new Headers(res.headers as Record<string, string>), text, json: JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const nest = (depth: number) => `{"product":${'['.repeat(depth)}${']'.repeat(depth)}}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const product = { sku: 'NEG-1', name: 'n', price: { currencyCode: 'EUR', amountMinor: '1' } };

interface NegativeCase {
  name: string;
  status: number;
  send: () => Promise<HttpResult>;
  /** reason is the ErrorInfo reason expected, where the case pins one down. */
  reason?: string;
}

const cases: NegativeCase[] = [
  { name: 'malformed JSON', status: 400, reason: 'VALIDATION_FAILED', send: () => call('POST', '/v1/users', { body: '{"email": "a@b.c", ' }) },
  { name: 'JSON that is not an object for a "*" body', status: 400, send: () => call('POST', '/v1/users', { body: '"hello"' }) },
  { name: 'a string where a number belongs', status: 400, send: () => call('GET', '/v1/products?pageSize=ten') },
  { name: 'an object where a string belongs', status: 400, send: () => call('POST', '/v1/auth/login', { body: { email: { a: 1 }, password: 'x' } }) },
  { name: 'an int64 that is not an integer', status: 400, send: () => call('POST', '/v1/products', { headers: bearer(alice), body: { ...product, price: { currencyCode: 'EUR', amountMinor: '12.5' } } }) },
  { name: 'an unknown field in the body', status: 400, send: () => call('POST', '/v1/auth/login', { body: { email: 'a@b.c', password: 'x', admin: true } }) },
  { name: 'an unknown query parameter', status: 400, send: () => call('GET', '/v1/products?is_admin=true') },
  { name: 'an unknown enum value', status: 400, send: () => call('GET', '/v1/orders?state=ORDER_STATE_STOLEN', { headers: bearer(alice) }) },
  { name: 'a body above the limit', status: 413, reason: 'BODY_TOO_LARGE', send: () => call('POST', '/v1/auth/login', { body: JSON.stringify({ email: 'a'.repeat(70_000), password: 'x' }) }) },
  { name: 'nesting deeper than the limit', status: 400, send: () => call('POST', '/v1/products', { headers: bearer(alice), body: nest(40) }) },
  { name: 'a body that is not JSON', status: 415, reason: 'UNSUPPORTED_MEDIA_TYPE', send: () => call('POST', '/v1/auth/login', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a&password=b' }) },
  { name: 'no token on a protected route', status: 401, reason: 'UNAUTHENTICATED', send: () => call('GET', '/v1/orders', {}) },
  { name: 'an expired token', status: 401, send: () => call('GET', '/v1/orders', { headers: bearer(tokens.expired) }) },
  { name: 'a token signed by another key', status: 401, send: () => call('GET', '/v1/orders', { headers: bearer(tokens.wrongKey) }) },
  { name: 'an alg=none token', status: 401, send: () => call('GET', '/v1/orders', { headers: bearer(tokens.algNone) }) },
  { name: 'a tampered token', status: 401, send: () => call('GET', '/v1/orders', { headers: bearer(tokens.tampered) }) },
  { name: 'a token from another issuer', status: 401, send: () => call('GET', '/v1/orders', { headers: bearer(tokens.wrongIssuer) }) },
  { name: 'a token that is not a JWT', status: 401, send: () => call('GET', '/v1/orders', { headers: bearer(tokens.garbage) }) },
  { name: "another user's order", status: 404, send: () => call('GET', '/v1/orders/0a11ce00-0000-4000-8000-000000000001', { headers: bearer(bob) }) },
  { name: 'a customer on an admin route', status: 403, send: () => call('POST', '/v1/products', { headers: bearer(alice), body: product }) },
  { name: 'a customer listing the users', status: 403, send: () => call('GET', '/v1/users', { headers: bearer(alice) }) },
  { name: 'an unknown route', status: 404, send: () => call('GET', '/v1/admin/debug') },
  { name: 'a wrong method', status: 405, reason: 'METHOD_NOT_ALLOWED', send: () => call('DELETE', '/v1/orders', { headers: bearer(alice) }) },
  { name: 'an internal RPC by its gRPC path', status: 404, send: () => call('POST', '/shop.payments.v1.PaymentService/Charge', { body: {} }) },
  { name: 'a JSON body on a GET', status: 400, reason: 'VALIDATION_FAILED', send: () => callWithBody('GET', '/v1/products', '{"pageSize":1}') },
  { name: 'a JSON body on a DELETE', status: 400, reason: 'VALIDATION_FAILED', send: () => call('DELETE', '/v1/users/me', { headers: bearer(alice), body: { confirm: true } }) },
  { name: 'malformed percent-encoding', status: 400, send: () => call('GET', '/v1/products/%ZZ') },
  { name: 'a malformed grpc-timeout', status: 400, send: () => call('GET', '/v1/products', { headers: { 'grpc-timeout': '-1S' } }) },
];

describe('bad requests', () => {
  it.each(cases.map((c) => [c.name, c] as const))('answers %s with the right 4xx and a JSON error', async (_name, c) => {
    const res = await c.send();
    expect(res.status).toBe(c.status);
    const error = errorOf(res);
    expect(error.code).toBe(c.status);
    expect(typeof error.message).toBe('string');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.text).not.toMatch(/\s+at\s+\S+\s+\(|node_modules|\.ts:\d+/);
    // Every reason a client can branch on is a value of shop.common.v1.ErrorReason.
    const info = detail(res, 'google.rpc.ErrorInfo');
    if (info !== undefined) expect(isReason(info['reason'])).toBe(true);
    if (c.reason !== undefined) expect(info).toMatchObject({ reason: c.reason, domain: 'shop.example' });
  });

  it('answers headers above the limit with 431 and a JSON error', async () => {
    const response = await rawHttp(port, `GET /v1/products HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)).error).toMatchObject({ code: 431, details: expect.arrayContaining([expect.objectContaining({ reason: 'HEADERS_TOO_LARGE' })]) });
  });

  it('answers a request that is not HTTP with 400 and a JSON error', async () => {
    const response = await rawHttp(port, 'HELLO THERE\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)).error).toMatchObject({ code: 400, details: expect.arrayContaining([expect.objectContaining({ reason: 'MALFORMED_REQUEST' })]) });
  });

  it('refuses a body declared above the limit before reading it', async () => {
    const response = await rawHttp(port, `POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n{`);
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('never answered any of them with a 5xx, and is still serving', async () => {
    expect(answered.length).toBeGreaterThan(cases.length - 1);
    expect(answered.filter((s) => s >= 500)).toEqual([]);
    expect((await http(base, 'GET', '/healthz')).status).toBe(200);
    expect((await http(base, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')).status).toBe(200);
  });
});

describe('a flood past the rate limit', () => {
  let limited: Gateway;
  let limitedBase: string;

  beforeAll(async () => {
    limited = createGateway({
      contract,
      log: pino({ level: 'silent' }),
      backends: () => [shop.address],
      settings: { rateLimit: { ip: { perSecond: 20, burst: 30 }, user: { perSecond: 2, burst: 5 } } },
    });
    limitedBase = `http://127.0.0.1:${await limited.listen(0)}`;
  });

  afterAll(() => limited.close({ graceMs: 100 }));

  it('answers 429 with Retry-After and RateLimit headers past the per-IP burst, never 5xx, and keeps serving', async () => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 300 }, () => http(limitedBase, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')));
    const elapsedSec = (performance.now() - started) / 1000;
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    // The bucket lets the burst through, then 20 a second for as long as the
    // flood lasted (longer on a busy machine), and nothing more.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(30);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(30 + Math.ceil(20 * elapsedSec));
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBe(statuses.filter((s) => s !== 200).length);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused.slice(0, 5)) {
      expect(errorOf(r)).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(r.headers.get('ratelimit-limit')).toBe('30');
      expect(r.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    }
    const ok = results.find((r) => r.status === 200)!;
    expect(ok.headers.get('ratelimit-limit')).toBe('30');
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await http(limitedBase, 'GET', '/v1/products/9e0d0c1a-0000-4000-8000-00000000000a')).status).toBe(200);
    expect((await http(limitedBase, 'GET', '/healthz')).status).toBe(200);
  });

  it('limits each user on their own bucket', async () => {
    await new Promise((r) => setTimeout(r, 1_600));
    const carol = await auth.userToken({ userId: 'carol' });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await http(limitedBase, 'GET', '/v1/users/me', { headers: { authorization: `Bearer ${carol}` } })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toContain(429);
    const refused = await http(limitedBase, 'GET', '/v1/users/me', { headers: { authorization: `Bearer ${carol}` } });
    expect(errorOf(refused).message).toBe('too many requests from this user');
    expect(refused.headers.get('ratelimit-limit')).toBe('5');
    const dave = await auth.userToken({ userId: 'dave' });
    expect((await http(limitedBase, 'GET', '/v1/users/me', { headers: { authorization: `Bearer ${dave}` } })).status).toBe(200);
  });
});
