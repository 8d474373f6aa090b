import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, importJWK, type JWK } from 'jose';

/**
 * A fixed Ed25519 key for the benchmark only, so the driver and the server
 * agree on the bearer token without talking to each other.
 */
const PRIVATE: JWK = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: 'pz-bc9JZ1AJRX8ma0CyzBWprehVLPz51BtxLiGxzipc',
  d: 'sTRG7WJOHiDuktdnU2-sQONgIrEPe6BmMpQ5dI2xlGE',
};

/** BENCH_JWK is the public key the benchmark server trusts. */
export const BENCH_JWK: JWK = { kty: 'OKP', crv: 'Ed25519', x: PRIVATE.x, kid: 'bench-1', alg: 'EdDSA', use: 'sig' };

/** BENCH_KEYS_DIR is an empty service keys directory (no service calls in this benchmark). */
export const BENCH_KEYS_DIR = join(tmpdir(), 'shop-bench-keys');
mkdirSync(BENCH_KEYS_DIR, { recursive: true });

/** benchToken signs a customer access token valid for an hour. */
export async function benchToken(): Promise<string> {
  const key = await importJWK(PRIVATE, 'EdDSA');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: ['customer'], sid: 'bench-session' })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'bench-1' })
    .setIssuer('shop-users')
    .setAudience('shop')
    .setSubject('bench-user')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key);
}
