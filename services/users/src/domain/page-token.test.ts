import { decodePageToken, effectivePageSize, encodePageToken } from './page-token';

describe('page tokens', () => {
  const cursor = { createTime: 1_700_000_000_123, id: '0b8d6a52-6a8e-4b8e-9d55-2a1b0c3d4e5f', emailPrefix: 'ada' };

  it('round-trip a cursor', () => {
    expect(decodePageToken(encodePageToken(cursor))).toEqual(cursor);
  });

  it('are refused when they are not ours', () => {
    expect(decodePageToken('not-a-token')).toBeUndefined();
    expect(decodePageToken(Buffer.from('{"t":"x","i":"y","p":""}').toString('base64url'))).toBeUndefined();
    expect(decodePageToken(Buffer.from('{"t":1,"i":"1; DROP TABLE users","p":""}').toString('base64url'))).toBeUndefined();
  });
});

describe('effectivePageSize', () => {
  it('defaults to 20, keeps sizes up to 100 and clamps larger ones', () => {
    expect(effectivePageSize(0)).toBe(20);
    expect(effectivePageSize(7)).toBe(7);
    expect(effectivePageSize(100)).toBe(100);
    expect(effectivePageSize(1_000)).toBe(100);
  });

  it('refuses a negative size', () => {
    expect(effectivePageSize(-1)).toBeUndefined();
  });
});
