import { generateKeyPair } from 'jose';
import type { TestAuth } from '@shop/kit/testing';

const b64url = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** BadTokens are the ways a bearer token can be wrong, each with its token. */
export interface BadTokens {
  expired: string;
  wrongKey: string;
  algNone: string;
  tampered: string;
  garbage: string;
  wrongIssuer: string;
}

/** badTokens signs (or forges) one token of every kind the gateway must refuse. */
export async function badTokens(auth: TestAuth): Promise<BadTokens> {
  const valid = await auth.userToken({ userId: 'alice' });
  const [header, payload, signature] = valid.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return {
    expired: await auth.userToken({ userId: 'alice', expiresInSec: -120 }),
    // Same key id as the real key, signed by another key.
    wrongKey: await auth.userToken({ userId: 'alice', key: other.privateKey }),
    algNone: `${b64url({ alg: 'none', typ: 'JWT', kid: 'test-key-1' })}.${b64url({ ...claims, roles: ['admin'] })}.`,
    // A genuine signature over different claims.
    tampered: `${header}.${b64url({ ...claims, sub: 'bob', roles: ['admin'] })}.${signature}`,
    garbage: 'not.a.token',
    wrongIssuer: await auth.userToken({ userId: 'alice', issuer: 'someone-else' }),
  };
}
