import { createKeyEncryption, isSealed } from './key-encryption';

const SECRET = 'an-example-secret-of-at-least-32-characters';

describe('private key encryption', () => {
  it('round-trips a private key and never stores it in the clear', () => {
    const enc = createKeyEncryption(SECRET);
    const sealed = enc.seal('{"d":"private-part"}', 'kid-1');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('private-part');
    expect(enc.open(sealed, 'kid-1')).toBe('{"d":"private-part"}');
  });

  it('refuses to open with another secret', () => {
    const sealed = createKeyEncryption(SECRET).seal('{"d":"x"}', 'kid-1');
    expect(() => createKeyEncryption(`${SECRET}-other`).open(sealed, 'kid-1')).toThrow(/cannot be decrypted/);
  });

  it('refuses a sealed key moved to another key id', () => {
    const enc = createKeyEncryption(SECRET);
    expect(() => enc.open(enc.seal('{"d":"x"}', 'kid-1'), 'kid-2')).toThrow(/cannot be decrypted/);
  });

  it('tells plain JSON from a sealed key', () => {
    expect(isSealed('{"kty":"OKP"}')).toBe(false);
  });
});
