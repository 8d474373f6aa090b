import { hashRequest } from './hash-request';

describe('hashRequest', () => {
  it('returns a sha256 hex digest', () => {
    expect(hashRequest({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores the order of object keys, at every depth', () => {
    expect(hashRequest({ a: 1, b: { c: 2, d: [1, { e: 3, f: 4 }] } })).toBe(hashRequest({ b: { d: [1, { f: 4, e: 3 }], c: 2 }, a: 1 }));
  });

  it('tells apart requests that differ in a value, a key or array order', () => {
    const base = hashRequest({ sku: 'A-1', qty: 2, tags: ['x', 'y'] });
    expect(hashRequest({ sku: 'A-1', qty: 3, tags: ['x', 'y'] })).not.toBe(base);
    expect(hashRequest({ sku: 'A-1', quantity: 2, tags: ['x', 'y'] })).not.toBe(base);
    expect(hashRequest({ sku: 'A-1', qty: 2, tags: ['y', 'x'] })).not.toBe(base);
    expect(hashRequest({ sku: 'A-1', qty: '2', tags: ['x', 'y'] })).not.toBe(base);
  });

  it('leaves out undefined properties, as JSON does', () => {
    expect(hashRequest({ a: 1, b: undefined })).toBe(hashRequest({ a: 1 }));
  });

  it('hashes dates by instant, bigints by value and bytes by content', () => {
    expect(hashRequest({ at: new Date('2024-01-01T00:00:00Z') })).toBe(hashRequest({ at: '2024-01-01T00:00:00.000Z' }));
    expect(hashRequest({ n: 12345678901234567890n })).toBe(hashRequest({ n: 12345678901234567890n }));
    expect(hashRequest({ n: 1n })).not.toBe(hashRequest({ n: 2n }));
    expect(hashRequest({ b: new Uint8Array([1, 2]) })).toBe(hashRequest({ b: Buffer.from([1, 2]) }));
    expect(hashRequest({ b: new Uint8Array([1, 2]) })).not.toBe(hashRequest({ b: new Uint8Array([2, 1]) }));
  });

  it('refuses values it cannot hash faithfully', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => hashRequest(cyclic)).toThrow('cyclic');
    expect(() => hashRequest({ m: new Map([['a', 1]]) })).toThrow('Map or Set');
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(() => hashRequest({ a: shared, b: shared })).not.toThrow();
  });
});
