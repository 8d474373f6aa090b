import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';
import { createUserTokenVerifier } from '../auth/user-token-verifier';
import { createServiceIdentity, createServiceTokenVerifier, type ServiceIdentity } from '../auth/service-identity';
import type { Authenticators } from '../server/middleware/auth';
import type { Role } from '../context/principal';
import type { RevocationSource } from '../auth/revoked-sessions';
import { createPublishedSignal } from '../events/published-signal';

/** TEST_ISSUER and TEST_AUDIENCE are the claims test access tokens carry. */
export const TEST_ISSUER = 'shop-users';
export const TEST_AUDIENCE = 'shop';

/** TestAuth issues real signed tokens and verifies them the way services do. */
export interface TestAuth {
  authenticators: Authenticators;
  /** jwks is the published key set, for startService's `jwks` override. */
  jwks: () => Promise<{ keys: JWK[] }>;
  /** revocations lists the sessions ended with revokeSession, for startService's `revocations` override. */
  revocations: RevocationSource;
  /** revokeSession ends a session: services started with these test keys refuse its tokens from their next read (at once for new ones). */
  revokeSession(sessionId: string): void;
  keysDir: string;
  /** userToken signs an access token with the published key (or `key` to forge one), in session `sessionId` (a new one by default). */
  userToken(claims: { userId: string; roles?: Role[]; expiresInSec?: number; issuer?: string; key?: KeyLike; kid?: string; sessionId?: string }): Promise<string>;
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
  const ended: string[] = [];
  const endedSignal = createPublishedSignal();
  return {
    keysDir,
    jwks: async () => ({ keys: [jwk] }),
    async revocations(after, maxWaitMs, signal) {
      const from = Number(after);
      if (from >= ended.length) await endedSignal.wait(endedSignal.version, maxWaitMs, signal);
      const expireTime = Date.now() + 3_600_000;
      return { sessions: ended.slice(from).map((sessionId) => ({ sessionId, expireTime })), position: String(ended.length) };
    },
    revokeSession(sessionId) {
      ended.push(sessionId);
      endedSignal.notify();
    },
    authenticators: {
      verifyUser: (t) => userVerifier.verify(t),
      verifyService: (t) => serviceVerifier.verify(t),
    },
    async userToken({ userId, roles = ['customer'], expiresInSec = 300, issuer = TEST_ISSUER, key = privateKey, kid = 'test-key-1', sessionId = randomUUID() }) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ roles, sid: sessionId })
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
