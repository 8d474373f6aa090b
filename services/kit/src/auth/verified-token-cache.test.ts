import { cacheVerifiedTokens } from './verified-token-cache';

function countingVerifier(fail = new Set<string>()) {
  const calls: string[] = [];
  return {
    calls,
    async verify(token: string) {
      calls.push(token);
      if (fail.has(token)) throw new Error('invalid');
      return { token, expiresAt: 10_000 };
    },
  };
}

describe('cacheVerifiedTokens', () => {
  it('verifies a token once and reuses the verdict while it is fresh', async () => {
    let t = 0;
    const inner = countingVerifier();
    const cached = cacheVerifiedTokens(inner, { maxAgeMs: 1_000, now: () => t, expiresAt: (p) => p.expiresAt });
    await cached.verify('a');
    t = 999;
    await cached.verify('a');
    expect(inner.calls).toEqual(['a']);
    t = 1_000;
    await cached.verify('a');
    expect(inner.calls).toEqual(['a', 'a']);
  });

  it('never reuses a verdict past the token expiry', async () => {
    let t = 9_500;
    const inner = countingVerifier();
    const cached = cacheVerifiedTokens(inner, { maxAgeMs: 60_000, now: () => t, expiresAt: (p) => p.expiresAt });
    await cached.verify('a');
    t = 10_000;
    await cached.verify('a');
    expect(inner.calls).toEqual(['a', 'a']);
  });

  it('checks a failing token every time', async () => {
    const inner = countingVerifier(new Set(['bad']));
    const cached = cacheVerifiedTokens(inner);
    await expect(cached.verify('bad')).rejects.toThrow('invalid');
    await expect(cached.verify('bad')).rejects.toThrow('invalid');
    expect(inner.calls).toEqual(['bad', 'bad']);
  });

  it('stays within maxEntries by dropping the oldest', async () => {
    const inner = countingVerifier();
    const cached = cacheVerifiedTokens(inner, { maxEntries: 2, now: () => 0 });
    await cached.verify('a');
    await cached.verify('b');
    await cached.verify('c');
    await cached.verify('b');
    await cached.verify('a');
    expect(inner.calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
