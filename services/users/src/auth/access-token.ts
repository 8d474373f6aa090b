import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { UserRole } from '../domain/roles';
import { SIGNING_ALGORITHM, type KeyRing } from './key-ring';

/** AccessTokenOptions configure createAccessTokenSigner. */
export interface AccessTokenOptions {
  ring: KeyRing;
  issuer: string;
  audience: string;
  ttlMs: number;
  now: () => number;
}

/** AccessTokenSigner issues access tokens. */
export interface AccessTokenSigner {
  /**
   * sign returns a JWT for the user in a session (a refresh token family):
   * header alg EdDSA, typ JWT, kid; claims iss, aud, sub, sid (the session),
   * iat, exp, jti, roles. Verifiers refuse it once the session is listed by
   * AuthService.ListRevokedSessions.
   */
  sign(user: { id: string; roles: readonly UserRole[] }, sessionId: string): Promise<string>;
}

/** createAccessTokenSigner signs access tokens with the key ring's current signing key. */
export function createAccessTokenSigner(options: AccessTokenOptions): AccessTokenSigner {
  const { ring, issuer, audience, ttlMs, now } = options;
  return {
    async sign(user, sessionId) {
      const { kid, key } = ring.signingKey();
      const iat = Math.floor(now() / 1000);
      return new SignJWT({ roles: [...user.roles], sid: sessionId })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(user.id)
        .setIssuedAt(iat)
        .setExpirationTime(iat + Math.floor(ttlMs / 1000))
        .setJti(randomUUID())
        .sign(key);
    },
  };
}
