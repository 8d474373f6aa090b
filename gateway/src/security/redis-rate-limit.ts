import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from './rate-limit';

/**
 * TOKEN_BUCKET_SCRIPT takes one token from a bucket kept in a Redis hash,
 * atomically, with Redis's own clock so replicas with skewed clocks agree.
 * KEYS[1] is the bucket; ARGV are the refill rate per second and the burst.
 * It returns {allowed (0/1), remaining, reset ms, retry-after ms}. The
 * arithmetic is decide() in rate-limit.ts.
 */
export const TOKEN_BUCKET_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
local reset = math.ceil((burst - tokens) / rate * 1000)
redis.call('PEXPIRE', KEYS[1], reset + 1000)
local retry = 0
if allowed == 0 then
  retry = math.ceil((1 - tokens) / rate * 1000)
end
return {allowed, math.floor(tokens), reset, retry}
`;

const SCRIPT_SHA = createHash('sha1').update(TOKEN_BUCKET_SCRIPT).digest('hex');

/**
 * RedisScriptClient is the part of a Redis client the limiter uses; an
 * ioredis client has exactly these methods.
 */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  quit?(): Promise<unknown>;
}

/** RedisRateLimiterOptions configure a RedisRateLimiter. */
export interface RedisRateLimiterOptions {
  client: RedisScriptClient;
  /** fallback answers when Redis does not, so a Redis outage neither blocks nor unlimits traffic. */
  fallback: RateLimiter;
  /** timeoutMs bounds the wait for Redis before the fallback answers. */
  timeoutMs?: number;
  keyPrefix?: string;
  log?: Logger;
}

/**
 * RedisRateLimiter shares token buckets between gateway replicas through
 * Redis, one atomic script call per decision. When Redis fails or is slow
 * the in-memory limiter decides instead (each replica then limits alone),
 * and the failure is logged at most once a minute.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly timeoutMs: number;
  private readonly prefix: string;
  private lastWarning = 0;

  constructor(private readonly options: RedisRateLimiterOptions) {
    this.timeoutMs = options.timeoutMs ?? 50;
    this.prefix = options.keyPrefix ?? 'shop:gateway:ratelimit:';
  }

  async take(key: string, policy: RateLimitPolicy): Promise<RateLimitDecision> {
    try {
      const reply = await withTimeout(this.run(this.prefix + key, policy), this.timeoutMs);
      return toDecision(reply, policy);
    } catch (err) {
      const now = Date.now();
      if (now - this.lastWarning > 60_000) {
        this.lastWarning = now;
        this.options.log?.warn({ err: (err as Error).message }, 'Redis rate limiting failed; limiting in memory for now');
      }
      return this.options.fallback.take(key, policy);
    }
  }

  async close(): Promise<void> {
    await this.options.fallback.close();
    await this.options.client.quit?.().catch(() => undefined);
  }

  private async run(key: string, policy: RateLimitPolicy): Promise<unknown> {
    const args = [key, String(policy.perSecond), String(policy.burst)];
    try {
      return await this.options.client.evalsha(SCRIPT_SHA, 1, ...args);
    } catch (err) {
      if (!/NOSCRIPT/.test(String((err as Error).message))) throw err;
      // First use on this Redis (or after a flush): EVAL loads the script into its cache.
      return this.options.client.eval(TOKEN_BUCKET_SCRIPT, 1, ...args);
    }
  }
}

function toDecision(reply: unknown, policy: RateLimitPolicy): RateLimitDecision {
  if (!Array.isArray(reply) || reply.length !== 4) throw new Error(`unexpected reply from the rate limit script: ${JSON.stringify(reply)}`);
  const [allowed, remaining, reset, retry] = reply.map(Number);
  return { allowed: allowed === 1, limit: policy.burst, remaining, resetMs: reset, retryAfterMs: retry };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * loadIoredis connects with ioredis when that package is installed, and
 * returns undefined otherwise. It is loaded by name at run time, so the
 * gateway runs without it (the bundle ships it beside the code).
 */
export function loadIoredis(url: string, log?: Logger): RedisScriptClient | undefined {
  type Client = RedisScriptClient & { on(event: 'error', listener: (err: Error) => void): unknown };
  let Redis: new (url: string, options: Record<string, unknown>) => Client;
  try {
    const loaded = require('ioredis') as { default?: typeof Redis } & typeof Redis;
    Redis = loaded.default ?? loaded;
  } catch {
    return undefined;
  }
  // Fail fast while Redis is down, so the fallback answers instead of a queue growing.
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  let lastLogged = 0;
  client.on('error', (err) => {
    // ioredis reconnects by itself; say so once a minute rather than on every attempt.
    if (Date.now() - lastLogged < 60_000) return;
    lastLogged = Date.now();
    log?.warn({ err: err.message }, 'Redis connection error; rate limits fall back to memory until it recovers');
  });
  return client;
}
