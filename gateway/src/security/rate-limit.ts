/** RateLimitPolicy is a token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimitPolicy {
  perSecond: number;
  burst: number;
}

/** RateLimitDecision is one bucket's answer, with what the RateLimit headers report. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** remaining is the whole requests left in the bucket after this one. */
  remaining: number;
  /** resetMs is how long until the bucket is full again. */
  resetMs: number;
  /** retryAfterMs is how long until the next request would be allowed (0 when allowed). */
  retryAfterMs: number;
}

/** RateLimiter takes one token from a keyed bucket. */
export interface RateLimiter {
  take(key: string, policy: RateLimitPolicy): RateLimitDecision | Promise<RateLimitDecision>;
  close(): Promise<void>;
}

interface Bucket {
  tokens: number;
  at: number;
  /** fullAfter is when the bucket would be full again, for sweeping. */
  fullAt: number;
}

/**
 * decide refills a bucket for the time passed and takes one token when
 * there is one. It is the same arithmetic as the Redis script.
 */
export function decide(tokens: number, at: number, now: number, policy: RateLimitPolicy): { tokens: number; decision: RateLimitDecision } {
  const { perSecond, burst } = policy;
  let available = Math.min(burst, tokens + (Math.max(0, now - at) * perSecond) / 1000);
  const allowed = available >= 1;
  if (allowed) available -= 1;
  return {
    tokens: available,
    decision: {
      allowed,
      limit: burst,
      remaining: Math.floor(available),
      resetMs: Math.ceil(((burst - available) / perSecond) * 1000),
      retryAfterMs: allowed ? 0 : Math.ceil(((1 - available) / perSecond) * 1000),
    },
  };
}

/**
 * MemoryRateLimiter keeps token buckets in this process: exact for one
 * gateway replica, per replica for several (use Redis to share them).
 * Buckets that have refilled are dropped, and at most maxKeys are kept, so
 * a flood of addresses cannot grow memory without bound.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.sweep(), 30_000);
    this.timer.unref();
  }

  take(key: string, policy: RateLimitPolicy): RateLimitDecision {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.makeRoom();
      bucket = { tokens: policy.burst, at: now, fullAt: now };
      this.buckets.set(key, bucket);
    }
    const { tokens, decision } = decide(bucket.tokens, bucket.at, now, policy);
    bucket.tokens = tokens;
    bucket.at = now;
    bucket.fullAt = now + decision.resetMs;
    return decision;
  }

  /** size is the number of buckets held (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  /** sweep drops buckets that are full again: a missing bucket starts full, so nothing changes. */
  sweep(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) if (bucket.fullAt <= now) this.buckets.delete(key);
  }

  private makeRoom(): void {
    this.sweep();
    // Still full of busy callers: forget the oldest, which at worst gives them a fresh bucket.
    const excess = this.buckets.size - this.maxKeys + 1;
    if (excess <= 0) return;
    let removed = 0;
    for (const key of this.buckets.keys()) {
      this.buckets.delete(key);
      if (++removed >= excess) break;
    }
  }
}
