import { createPaymentTokens } from './payment-tokens';

describe('createPaymentTokens', () => {
  it('holds a token until it is forgotten or its time is up', () => {
    let clock = 0;
    const tokens = createPaymentTokens({ ttlMs: 1_000, maxEntries: 10, now: () => clock });
    tokens.keep('o-1', 'tok_a');
    tokens.keep('o-2', 'tok_b');
    expect(tokens.get('o-1')).toBe('tok_a');
    tokens.forget('o-1');
    expect(tokens.get('o-1')).toBeUndefined();
    clock = 1_000;
    expect(tokens.get('o-2')).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('is bounded: the oldest token goes first', () => {
    const tokens = createPaymentTokens({ ttlMs: 60_000, maxEntries: 2 });
    tokens.keep('o-1', 'a');
    tokens.keep('o-2', 'b');
    tokens.keep('o-3', 'c');
    expect([tokens.get('o-1'), tokens.get('o-2'), tokens.get('o-3')]).toEqual([undefined, 'b', 'c']);
  });
});
