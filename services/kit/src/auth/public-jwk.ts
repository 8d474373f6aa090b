import type { JWK } from 'jose';

const PUBLIC_MEMBERS = ['crv', 'x', 'y'] as const;

/**
 * publicJwk copies only the members that describe a public OKP or EC key
 * (kty, crv, x, y) and drops empty strings. Empty strings matter because
 * proto3 sends '' for unset fields (shop.users.v1.JsonWebKey), and jose would
 * treat `y: ''` as a present but broken coordinate. Dropping `d` and every
 * other member means a key set can never smuggle in private or symmetric key
 * material that we would then verify with. It returns undefined without a
 * key type.
 */
export function publicJwk(jwk: JWK): JWK | undefined {
  const kty = nonEmpty(jwk.kty);
  if (kty === undefined) return undefined;
  const out: JWK = { kty };
  for (const member of PUBLIC_MEMBERS) {
    const value = nonEmpty(jwk[member]);
    if (value !== undefined) out[member] = value;
  }
  return out;
}

/** nonEmpty returns a JWK string member, treating proto3's '' as absent. */
export function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
