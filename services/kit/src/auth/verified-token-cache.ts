/** Verifier is anything that turns a token into a principal, or throws. */
export interface Verifier<P> {
  verify(token: string): Promise<P>;
}

/** CachedVerifier is a Verifier that can also answer from its cache without waiting. */
export interface CachedVerifier<P> extends Verifier<P> {
  /**
   * lookup returns the principal of a token verified before and still
   * fresh, or undefined (then call verify). It lets a hot path skip a
   * promise per call when the answer is already known.
   */
  lookup(token: string): P | undefined;
}

/** CacheOptions bound a verified-token cache. */
export interface CacheOptions<P> {
  /** maxEntries bounds memory: the oldest entry goes when it is full (default 10 000). */
  maxEntries?: number;
  /** maxAgeMs is the longest a verdict is reused (default 60 s), never past the token's own expiry. */
  maxAgeMs?: number;
  /** expiresAt reads a principal's expiry in epoch ms, when it has one. */
  expiresAt?: (principal: P) => number | undefined;
  now?: () => number;
}

/**
 * cacheVerifiedTokens remembers successful verifications for a short while.
 * A client sends the same access token with every call until it expires,
 * and checking an Ed25519 signature costs tens of microseconds of CPU, which
 * would be the most expensive step of a cheap call. Only successes are
 * cached (a forged token is checked every time), an entry never outlives the
 * token's `exp`, and the cache is bounded.
 */
export function cacheVerifiedTokens<P>(verifier: Verifier<P>, options: CacheOptions<P> = {}): CachedVerifier<P> {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order, so its first key is the oldest entry.
  const entries = new Map<string, { principal: P; until: number }>();
  const lookup = (token: string, t: number): P | undefined => {
    const hit = entries.get(token);
    if (hit === undefined) return undefined;
    if (hit.until > t) return hit.principal;
    entries.delete(token);
    return undefined;
  };
  return {
    lookup: (token) => lookup(token, now()),
    async verify(token) {
      const t = now();
      const hit = lookup(token, t);
      if (hit !== undefined) return hit;
      const principal = await verifier.verify(token);
      const until = Math.min(t + maxAgeMs, options.expiresAt?.(principal) ?? Infinity);
      if (until > t) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(token, { principal, until });
      }
      return principal;
    },
  };
}
