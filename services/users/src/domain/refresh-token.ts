import { createHash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;
// 32 bytes in unpadded base64url are always 43 characters.
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** newRefreshToken returns a fresh opaque refresh token: 32 random bytes, base64url. */
export function newRefreshToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** isRefreshTokenShaped tells whether text could be a token from newRefreshToken, so junk is refused without a lookup. */
export function isRefreshTokenShaped(text: string): boolean {
  return TOKEN_FORMAT.test(text);
}

/**
 * hashRefreshToken is the only form a refresh token is stored in: its
 * SHA-256, base64url. The token has 256 random bits, so a fast hash is
 * enough (nothing to brute-force), and a leaked table holds no usable token.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
