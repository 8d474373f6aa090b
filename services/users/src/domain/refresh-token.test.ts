import { createHash } from 'node:crypto';
import { hashRefreshToken, isRefreshTokenShaped, newRefreshToken } from './refresh-token';

describe('refresh tokens', () => {
  it('are 32 random bytes in base64url', () => {
    const token = newRefreshToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(isRefreshTokenShaped(token)).toBe(true);
    expect(newRefreshToken()).not.toBe(token);
  });

  it('are stored as their SHA-256, never as themselves', () => {
    const token = newRefreshToken();
    const hash = hashRefreshToken(token);
    expect(hash).toBe(createHash('sha256').update(token).digest('base64url'));
    expect(hash).not.toContain(token);
    expect(hashRefreshToken(token)).toBe(hash);
  });

  it('hash differently when they differ by one character', () => {
    const token = newRefreshToken();
    const other = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    expect(hashRefreshToken(other)).not.toBe(hashRefreshToken(token));
  });

  it('are recognised by shape, so junk never reaches the database', () => {
    expect(isRefreshTokenShaped('')).toBe(false);
    expect(isRefreshTokenShaped('not a token')).toBe(false);
    expect(isRefreshTokenShaped(`${newRefreshToken()}x`)).toBe(false);
  });
});
