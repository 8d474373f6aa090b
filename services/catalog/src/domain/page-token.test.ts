import { DomainError } from '@shop/kit';
import { createPageTokenCodec } from './page-token';

const codec = createPageTokenCodec('test-secret-0123456789');
const cursor = { key: 'stoneware mug', id: '69040c33-5c8e-59b0-9032-bc23eb34ff6a' };
const fingerprint = 'f'.repeat(32);

function violationOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return `${err.details.fieldViolations?.[0]?.field}: ${err.details.fieldViolations?.[0]?.description}`;
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('a page token codec', () => {
  it('decodes the cursor it encoded', () => {
    const token = codec.encode(cursor, fingerprint);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.decode(token, fingerprint, 'name')).toEqual(cursor);
  });

  it('carries base64url JSON a person can read', () => {
    const body = JSON.parse(Buffer.from(codec.encode(cursor, fingerprint), 'base64url').toString());
    expect(body).toMatchObject({ v: 1, k: cursor.key, i: cursor.id, q: fingerprint });
  });

  it('refuses a token used with other filters or order, naming page_token', () => {
    const token = codec.encode(cursor, fingerprint);
    expect(violationOf(() => codec.decode(token, 'e'.repeat(32), 'name'))).toMatch(/^page_token: belongs to a listing with other filters/);
  });

  it('refuses a token whose cursor was edited', () => {
    const body = JSON.parse(Buffer.from(codec.encode(cursor, fingerprint), 'base64url').toString());
    const edited = Buffer.from(JSON.stringify({ ...body, k: 'a' })).toString('base64url');
    expect(violationOf(() => codec.decode(edited, fingerprint, 'name'))).toMatch(/^page_token: is not a page token this service issued/);
  });

  it('refuses a token whose fingerprint was edited to match other filters', () => {
    const body = JSON.parse(Buffer.from(codec.encode(cursor, fingerprint), 'base64url').toString());
    const edited = Buffer.from(JSON.stringify({ ...body, q: 'e'.repeat(32) })).toString('base64url');
    expect(violationOf(() => codec.decode(edited, 'e'.repeat(32), 'name'))).toMatch(/^page_token: is not a page token/);
  });

  it('refuses a token signed with another secret', () => {
    const other = createPageTokenCodec('another-secret-0123456789').encode(cursor, fingerprint);
    expect(violationOf(() => codec.decode(other, fingerprint, 'name'))).toMatch(/^page_token: is not a page token/);
  });

  it.each(['not a token', 'AAAA', Buffer.from('{"v":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url'), 'x'.repeat(3000)])(
    'refuses the garbage %j',
    (token) => {
      expect(violationOf(() => codec.decode(token, fingerprint, 'name'))).toMatch(/^page_token: /);
    },
  );

  it('refuses a signed cursor whose key does not fit the order', () => {
    const token = codec.encode({ key: 'mug', id: cursor.id }, fingerprint);
    expect(violationOf(() => codec.decode(token, fingerprint, 'price'))).toMatch(/^page_token: is not a page token/);
    expect(codec.decode(codec.encode({ key: '1299', id: cursor.id }, fingerprint), fingerprint, 'price')).toEqual({ key: '1299', id: cursor.id });
  });
});
