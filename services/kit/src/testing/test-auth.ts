import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';
import { createUserTokenVerifier } from '../auth/user-token-verifier';
import { createServiceIdentity, createServiceTokenVerifier, type ServiceIdentity } from '../auth/service-identity';
import type { Authenticators } from '../server/middleware/auth';
import type { Role } from '../context/principal';

/** TEST_ISSUER and TEST_AUDIENCE are the claims test access tokens carry. */
export const TEST_ISSUER = 'shop-users';
export const TEST_AUDIENCE = 'shop';

/** TestAuth issues real signed tokens and verifies them the way services do. */
export interface TestAuth {
  authenticators: Authenticators;
  /** jwks is the published key set, for startService's `jwks` override. */
  jwks: () => Promise<{ keys: JWK[] }>;
  keysDir: string;
  /** userToken signs an access token with the published key (or `key` to forge one). */
  userToken(claims: { userId: string; roles?: Role[]; expiresInSec?: number; issuer?: string; key?: KeyLike; kid?: string }): Promise<string>;
  /** identity creates (or loads) a service's identity in keysDir. */
  identity(service: string): Promise<ServiceIdentity>;
  cleanup(): void;
}

/** createTestAuth sets up an EdDSA user signing key, its JWKS and a service keys directory in a temp folder. */
export async function createTestAuth(): Promise<TestAuth> {
  const keysDir = mkdtempSync(join(tmpdir(), 'shop-keys-'));
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'EdDSA', use: 'sig' };
  const userVerifier = createUserTokenVerifier({
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    fetchJwks: async () => ({ keys: [jwk] }),
  });
  const serviceVerifier = createServiceTokenVerifier({ keysDir });
  return {
    keysDir,
    jwks: async () => ({ keys: [jwk] }),
    authenticators: {
      verifyUser: (t) => userVerifier.verify(t),
      verifyService: (t) => serviceVerifier.verify(t),
    },
    async userToken({ userId, roles = ['customer'], expiresInSec = 300, issuer = TEST_ISSUER, key = privateKey, kid = 'test-key-1' }) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ roles })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(TEST_AUDIENCE)
        .setSubject(userId)
        .setIssuedAt(now)
        .setExpirationTime(now + expiresInSec)
        .sign(key);
    },
    identity: (service) => createServiceIdentity({ service, keysDir }),
    cleanup: () => rmSync(keysDir, { recursive: true, force: true }),
  };
}
