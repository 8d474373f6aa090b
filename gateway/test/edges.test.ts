/**
 * The HTTP edges of the gateway, tried as a hostile client would: answers
 * node:http writes before any handler runs still carry x-request-id, a slow
 * client is cut at the header timeout (not 20-30 s later), one address
 * cannot hold every connection, and two Authorization headers are refused
 * rather than the first silently winning.
 */
import { connect, type Socket } from 'node:net';
import pino from 'pino';
import { sharedContract } from '@shop/kit';
import { createTestAuth, type TestAuth } from '@shop/kit/testing';
import { createGateway, type Gateway, type GatewaySettings } from '../src/create-gateway';
import { rawHttp } from './support/http';
import { startFakeShop, type FakeShop } from './support/shop-backends';

let auth: TestAuth;
let shop: FakeShop;
const open: Gateway[] = [];

beforeAll(async () => {
  auth = await createTestAuth();
  shop = await startFakeShop(auth);
});

afterAll(async () => {
  await Promise.all(open.map((g) => g.close({ graceMs: 100 })));
  await shop.stop();
  auth.cleanup();
});

async function start(settings: Partial<GatewaySettings> = {}): Promise<number> {
  const gateway = createGateway({ contract: sharedContract(), log: pino({ level: 'silent' }), backends: () => [shop.address], settings: { rateLimit: {}, ...settings } });
  open.push(gateway);
  return gateway.listen(0);
}

function header(answer: string, name: string): string | undefined {
  return new RegExp(`^${name}: (.*)\\r$`, 'mi').exec(answer)?.[1];
}

describe('answers node:http writes itself carry x-request-id', () => {
  it.each([
    ['431 for headers over the limit', `GET /v1/products/9e0d0c1a-0000-4000-8000-00000000000a HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['400 for a request that is not HTTP/1.1', 'NOT HTTP AT ALL\r\n\r\n', 400],
  ])('%s', async (_name, request, status) => {
    const port = await start();
    const answer = await rawHttp(port, request);
    expect(answer.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    const id = header(answer, 'x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{16,}$/);
    // The same id as in the body's RequestInfo.
    expect(answer).toContain(`"requestId":"${id}"`);
  });
});

describe('a slow client', () => {
  it('gets 408 with x-request-id at the header timeout, not tens of seconds later', async () => {
    const port = await start({ headersTimeoutMs: 1_000 });
    const started = Date.now();
    // Headers that never end.
    const answer = await rawHttp(port, 'GET /v1/products/9e0d0c1a-0000-4000-8000-00000000000a HTTP/1.1\r\nhost: x\r\n', 6_000);
    expect(answer.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(header(answer, 'x-request-id')).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('connections per client address', () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  const openSocket = (port: number) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', reject);
      sockets.push(socket);
    });

  it('answers 429 with Retry-After past the bound, and admits again once one closes', async () => {
    const port = await start({ maxConnectionsPerAddress: 3 });
    const held = await Promise.all([openSocket(port), openSocket(port), openSocket(port)]);
    const refused = await rawHttp(port, 'GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(refused.startsWith('HTTP/1.1 429 ')).toBe(true);
    expect(header(refused, 'retry-after')).toBe('1');
    expect(header(refused, 'x-request-id')).toBeTruthy();
    expect(refused).toContain('"reason":"RATE_LIMITED"');
    held[0]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const admitted = await rawHttp(port, 'GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(admitted.startsWith('HTTP/1.1 200 ')).toBe(true);
  });

  it('has no bound when set to 0', async () => {
    const port = await start({ maxConnectionsPerAddress: 0 });
    await Promise.all(Array.from({ length: 20 }, () => openSocket(port)));
    const answer = await rawHttp(port, 'GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(answer.startsWith('HTTP/1.1 200 ')).toBe(true);
  });
});

describe('two Authorization headers', () => {
  it('are refused with 401 instead of the first one winning', async () => {
    const port = await start();
    const alice = await auth.userToken({ userId: 'alice' });
    const bob = await auth.userToken({ userId: 'bob' });
    const answer = await rawHttp(port, `GET /v1/users/me HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${alice}\r\nAuthorization: Bearer ${bob}\r\nconnection: close\r\n\r\n`);
    expect(answer.startsWith('HTTP/1.1 401 ')).toBe(true);
    expect(answer).toContain('more than one authorization header');
    const one = await rawHttp(port, `GET /v1/users/me HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${alice}\r\nconnection: close\r\n\r\n`);
    expect(one.startsWith('HTTP/1.1 200 ')).toBe(true);
  });
});
