import { randomBytes } from 'node:crypto';
import { MemoryRateLimiter } from './rate-limit';
import { loadIoredis, RedisRateLimiter, type RedisScriptClient } from './redis-rate-limit';

const REDIS_URL = process.env.TEST_REDIS_URL;
if (!REDIS_URL) console.warn('TEST_REDIS_URL is not set: skipping the Redis rate limit tests');

(REDIS_URL ? describe : describe.skip)('RedisRateLimiter on Redis (ioredis)', () => {
  const policy = { perSecond: 1, burst: 3 };
  const clients: RedisScriptClient[] = [];
  const connect = (): RedisScriptClient => {
    const client = loadIoredis(REDIS_URL!);
    if (!client) throw new Error('ioredis is not installed');
    clients.push(client);
    return client;
  };
  const limiter = (client: RedisScriptClient) => new RedisRateLimiter({ client, fallback: new MemoryRateLimiter(), timeoutMs: 2_000, keyPrefix: 'gw-test:' });

  beforeAll(async () => {
    // enableOfflineQueue is off: wait until the first client is connected.
    const client = connect() as RedisScriptClient & { ping(): Promise<string>; status: string };
    for (let i = 0; i < 50 && client.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
  });

  afterAll(async () => {
    for (const client of clients) await client.quit?.();
  });

  it('loads the script on first use, then shares one bucket per key between replicas', async () => {
    const [client] = clients;
    const key = `test:${randomBytes(4).toString('hex')}`;
    const a = limiter(client);
    const b = limiter(client);
    const decisions = [await a.take(key, policy), await b.take(key, policy), await a.take(key, policy), await b.take(key, policy)];
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[0]).toMatchObject({ limit: 3, remaining: 2, retryAfterMs: 0 });
    expect(decisions[3].remaining).toBe(0);
    expect(decisions[3].retryAfterMs).toBeGreaterThan(0);
    expect(decisions[3].retryAfterMs).toBeLessThanOrEqual(1_000);
  });

  it('refills with time on the Redis clock', async () => {
    const [client] = clients;
    const key = `test:${randomBytes(4).toString('hex')}`;
    const fast = { perSecond: 20, burst: 1 };
    const shared = limiter(client);
    expect((await shared.take(key, fast)).allowed).toBe(true);
    expect((await shared.take(key, fast)).allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 120));
    expect((await shared.take(key, fast)).allowed).toBe(true);
  });

  it('lets the bucket expire once it would be full again', async () => {
    const [client] = clients as Array<RedisScriptClient & { pttl(key: string): Promise<number> }>;
    const key = `test:${randomBytes(4).toString('hex')}`;
    await limiter(client).take(key, policy);
    const ttl = await client.pttl(`gw-test:${key}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2_000);
  });
});

describe('RedisRateLimiter when Redis fails', () => {
  it('decides in memory when Redis errors or is slow', async () => {
    const failing: RedisScriptClient = { evalsha: () => Promise.reject(new Error('ECONNREFUSED')), eval: () => Promise.reject(new Error('ECONNREFUSED')) };
    const slow: RedisScriptClient = { evalsha: () => new Promise(() => undefined), eval: () => new Promise(() => undefined) };
    for (const client of [failing, slow]) {
      const limiter = new RedisRateLimiter({ client, fallback: new MemoryRateLimiter(), timeoutMs: 20 });
      const policy = { perSecond: 1, burst: 2 };
      const decisions = [await limiter.take('k', policy), await limiter.take('k', policy), await limiter.take('k', policy)];
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
      await limiter.close();
    }
  });

  it('falls back while ioredis cannot reach Redis', async () => {
    const client = loadIoredis('redis://127.0.0.1:1')!;
    const limiter = new RedisRateLimiter({ client, fallback: new MemoryRateLimiter(), timeoutMs: 200 });
    expect((await limiter.take('k', { perSecond: 1, burst: 1 })).allowed).toBe(true);
    expect((await limiter.take('k', { perSecond: 1, burst: 1 })).allowed).toBe(false);
    (client as unknown as { disconnect(): void }).disconnect();
  });
});
