import { createCors } from './cors';

describe('createCors', () => {
  it('is off with no origins', () => {
    const cors = createCors({ origins: [], maxAgeSec: 600 });
    expect(cors.enabled).toBe(false);
    expect(cors.responseHeaders('https://a.example')).toEqual([]);
    expect(cors.preflight('https://a.example', 'GET', ['GET'])).toBeUndefined();
  });

  it('allows listed origins only, varying on Origin', () => {
    const cors = createCors({ origins: ['https://shop.example'], maxAgeSec: 60 });
    expect(cors.responseHeaders('https://shop.example')).toEqual([
      ['access-control-allow-origin', 'https://shop.example'],
      ['access-control-expose-headers', 'x-request-id, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset'],
      ['vary', 'Origin'],
    ]);
    expect(cors.responseHeaders('https://evil.example')).toEqual([['vary', 'Origin']]);
    expect(cors.preflight('https://shop.example', 'patch', ['GET', 'PATCH'])).toContainEqual(['access-control-max-age', '60']);
    expect(cors.preflight('https://shop.example', 'DELETE', ['GET', 'PATCH'])).toBeUndefined();
    expect(cors.preflight('https://evil.example', 'GET', ['GET'])).toBeUndefined();
  });

  it('allows any origin with "*" and never allows credentials', () => {
    const cors = createCors({ origins: ['*'], maxAgeSec: 60 });
    const headers = cors.preflight('https://x.example', 'GET', ['GET'])!;
    expect(headers).toContainEqual(['access-control-allow-origin', '*']);
    expect(headers.some(([k]) => k === 'access-control-allow-credentials')).toBe(false);
  });
});
