import { randomBytes } from 'node:crypto';

// Crockford's base32: no I, L, O or U, so a number read out over the phone is not misheard.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * newTrackingNumber makes a carrier tracking number: "SMP" and 12
 * characters of Crockford base32 (60 random bits), for example
 * "SMP4Q7ZK0C9M2XT". The column is unique, so a collision would fail the
 * transaction rather than give two parcels one number.
 */
export function newTrackingNumber(random: (size: number) => Buffer = randomBytes): string {
  const bytes = random(12);
  let out = 'SMP';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}
