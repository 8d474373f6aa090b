import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalidArgument } from '@shop/kit';
import { isUuid } from './product-id';
import type { SortKey } from './list-order';

/**
 * Cursor is a keyset position: the sort key and id of the last product of
 * the previous page. The next page starts strictly after it. key is the
 * creation sequence number (create_time), the folded name (name) or the
 * amount in minor units (price), as text.
 */
export interface Cursor {
  key: string;
  id: string;
}

/** PageTokenCodec turns cursors into opaque page tokens and back. */
export interface PageTokenCodec {
  /** encode makes the token for the page after cursor of the listing identified by fingerprint. */
  encode(cursor: Cursor, fingerprint: string): string;
  /**
   * decode returns the cursor of a token, or throws INVALID_ARGUMENT on
   * page_token when the token is malformed, was altered, or belongs to a
   * listing with other filters or another order (another fingerprint).
   */
  decode(token: string, fingerprint: string, sortKey: SortKey): Cursor;
}

/** PAGE_TOKEN_MAX is the longest page token decode looks at; real ones are far shorter. */
export const PAGE_TOKEN_MAX = 2048;

const TOKEN_VERSION = 1;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const POSITIVE_INT64 = /^[1-9]\d{0,18}$/;
const NAME_KEY_MAX = 1000;

interface TokenBody {
  v: number;
  k: string;
  i: string;
  q: string;
  m: string;
}

const malformed = () => invalidArgument([{ field: 'page_token', description: 'is not a page token this service issued, or was altered' }]);

/**
 * createPageTokenCodec makes page tokens of the form base64url(JSON
 * {v, k, i, q, m}): the format version, the cursor (k, i), the fingerprint
 * of the filters and order the listing was made with (q), and an HMAC-SHA256
 * of the rest under secret (m). The MAC makes an edited token fail as a
 * whole instead of resuming somewhere unexpected; the fingerprint tells a
 * token reused with other filters apart from a corrupt one.
 */
export function createPageTokenCodec(secret: string): PageTokenCodec {
  const mac = (body: Omit<TokenBody, 'm'>): Buffer =>
    createHmac('sha256', secret).update(JSON.stringify([body.v, body.k, body.i, body.q])).digest().subarray(0, 16);

  return {
    encode(cursor, fingerprint) {
      const body = { v: TOKEN_VERSION, k: cursor.key, i: cursor.id, q: fingerprint };
      const token: TokenBody = { ...body, m: mac(body).toString('base64url') };
      return Buffer.from(JSON.stringify(token)).toString('base64url');
    },

    decode(token, fingerprint, sortKey) {
      if (token.length > PAGE_TOKEN_MAX || !BASE64URL.test(token)) throw malformed();
      const body = parseBody(Buffer.from(token, 'base64url').toString('utf8'));
      if (body === undefined || body.v !== TOKEN_VERSION) throw malformed();
      const expected = mac(body);
      const given = Buffer.from(body.m, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw malformed();
      if (body.q !== fingerprint) {
        throw invalidArgument([
          { field: 'page_token', description: 'belongs to a listing with other filters or another order_by: send the same ones as for the first page' },
        ]);
      }
      // A token with a valid MAC was made by this service, so the checks
      // below only guard against a change in what the key means.
      if (!isUuid(body.i) || !keyFits(body.k, sortKey)) throw malformed();
      return { key: body.k, id: body.i };
    },
  };
}

function parseBody(json: string): TokenBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, k, i, q, m } = value as Record<string, unknown>;
  if (typeof v !== 'number' || typeof k !== 'string' || typeof i !== 'string' || typeof q !== 'string' || typeof m !== 'string') return undefined;
  return { v, k, i, q, m };
}

function keyFits(key: string, sortKey: SortKey): boolean {
  if (sortKey === 'name') return key.length <= NAME_KEY_MAX && !key.includes('\u0000');
  return POSITIVE_INT64.test(key);
}
