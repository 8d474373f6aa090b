import { decide, MemoryRateLimiter } from './rate-limit';

const policy = { perSecond: 2, burst: 3 };

describe('decide', () => {
  it('takes a token when there is one and reports what is left', () => {
    expect(decide(3, 0, 0, policy)).toEqual({ tokens: 2, decision: { allowed: true, limit: 3, remaining: 2, resetMs: 500, retryAfterMs: 0 } });
  });

  it('refuses below one token and says when the next one comes', () => {
    expect(decide(0.5, 0, 0, policy).decision).toEqual({ allowed: false, limit: 3, remaining: 0, resetMs: 1250, retryAfterMs: 250 });
  });

  it('refills for the time passed, up to the burst', () => {
    expect(decide(0, 0, 1_000, policy).tokens).toBe(1);
    expect(decide(0, 0, 60_000, policy).tokens).toBe(2);
  });
});

describe('MemoryRateLimiter', () => {
  let now = 0;
  let limiter: MemoryRateLimiter;
  beforeEach(() => {
    now = 1_000;
    limiter = new MemoryRateLimiter(3, () => now);
  });
  afterEach(() => limiter.close());

  it('allows a burst, refuses the next request, and allows again after the refill', () => {
    expect([1, 2, 3, 4].map(() => limiter.take('ip:a', policy).allowed)).toEqual([true, true, true, false]);
    now += 500;
    expect(limiter.take('ip:a', policy).allowed).toBe(true);
    expect(limiter.take('ip:a', policy).allowed).toBe(false);
  });

  it('keeps one bucket per key', () => {
    for (let i = 0; i < 3; i++) limiter.take('ip:a', policy);
    expect(limiter.take('ip:a', policy).allowed).toBe(false);
    expect(limiter.take('ip:b', policy).allowed).toBe(true);
  });

  it('forgets buckets that have refilled, and never holds more than its maximum', () => {
    limiter.take('ip:a', policy);
    now += 10_000;
    limiter.sweep();
    expect(limiter.size).toBe(0);
    for (const key of ['a', 'b', 'c', 'd', 'e']) limiter.take(key, policy);
    expect(limiter.size).toBeLessThanOrEqual(3);
  });
});
