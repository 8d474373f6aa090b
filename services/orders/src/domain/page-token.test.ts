import { DomainError } from '@shop/kit';
import { createPageTokenCodec } from './page-token';

const codec = createPageTokenCodec('a-secret-of-sixteen+');

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.details.fieldViolations?.[0]?.description;
    throw err;
  }
  return undefined;
}

describe('page tokens', () => {
  it('round-trips a position for the same listing', () => {
    expect(codec.decode(codec.encode(12345678901234n, 'fp'), 'fp')).toBe(12345678901234n);
  });

  it('refuses a token of a listing with other filters', () => {
    expect(reason(() => codec.decode(codec.encode(5n, 'fp-a'), 'fp-b'))).toMatch(/other filters/);
  });

  it('refuses an edited, foreign or malformed token', () => {
    const token = codec.encode(5n, 'fp');
    const body = JSON.parse(Buffer.from(token, 'base64url').toString()) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...body, s: '4' })).toString('base64url');
    const foreign = createPageTokenCodec('another-secret-123456').encode(5n, 'fp');
    for (const bad of [edited, foreign, 'bogus', '!!!', Buffer.from('[]').toString('base64url'), 'a'.repeat(2000)]) {
      expect(reason(() => codec.decode(bad, 'fp'))).toMatch(/not a page token/);
    }
  });
});
