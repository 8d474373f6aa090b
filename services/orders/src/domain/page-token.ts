import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalidArgument } from '@shop/kit';

/** PageTokenCodec turns listing positions into opaque page tokens and back. */
export interface PageTokenCodec {
  /** encode makes the token for the page after the order with seq `after`, of the listing identified by fingerprint. */
  encode(after: bigint, fingerprint: string): string;
  /**
   * decode returns the position in a token, or throws INVALID_ARGUMENT on
   * page_token when the token is malformed, was altered, or belongs to a
   * listing with other filters or another caller (another fingerprint).
   */
  decode(token: string, fingerprint: string): bigint;
}

const VERSION = 1;
const MAX_TOKEN = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const POSITIVE_INT64 = /^[1-9]\d{0,18}$/;

const malformed = () => invalidArgument([{ field: 'page_token', description: 'is not a page token this service issued, or was altered' }]);

/**
 * createPageTokenCodec makes page tokens of the form base64url(JSON
 * {v, s, q, m}): the format version, the seq of the last order of the
 * previous page (pages are newest first, so the next page starts below
 * it), the fingerprint of the listing's filters and caller, and an
 * HMAC-SHA256 of the rest under secret, so an edited token is refused as a
 * whole.
 */
export function createPageTokenCodec(secret: string): PageTokenCodec {
  const mac = (v: number, s: string, q: string) => createHmac('sha256', secret).update(JSON.stringify([v, s, q])).digest().subarray(0, 16);
  return {
    encode(after, fingerprint) {
      const s = after.toString();
      return Buffer.from(JSON.stringify({ v: VERSION, s, q: fingerprint, m: mac(VERSION, s, fingerprint).toString('base64url') })).toString('base64url');
    },
    decode(token, fingerprint) {
      if (token.length > MAX_TOKEN || !BASE64URL.test(token)) throw malformed();
      let body: unknown;
      try {
        body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      } catch {
        throw malformed();
      }
      const { v, s, q, m } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      if (v !== VERSION || typeof s !== 'string' || typeof q !== 'string' || typeof m !== 'string') throw malformed();
      const expected = mac(v, s, q);
      const given = Buffer.from(m, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected) || !POSITIVE_INT64.test(s)) throw malformed();
      if (q !== fingerprint) {
        throw invalidArgument([{ field: 'page_token', description: 'belongs to a listing with other filters: send the same state and user_id as for the first page' }]);
      }
      return BigInt(s);
    },
  };
}
