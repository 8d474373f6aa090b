import { Metadata } from '@grpc/grpc-js';
import { isRequestId, newRequestId, requestIdFrom } from './request-id';

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('makes UUID-shaped ids that the runtime accepts from callers', () => {
    const id = newRequestId();
    expect(id).toMatch(UUID_SHAPE);
    expect(isRequestId(id)).toBe(true);
  });

  it('never repeats an id within a process, across the low half of the counter rolling over', () => {
    // 2^24 + a few ids cross at least one carry into the high half.
    const n = 0x1000000 + 10;
    let previous = newRequestId();
    const seen = new Set<string>([previous]);
    for (let i = 0; i < n; i++) {
      const id = newRequestId();
      // Consecutive ids differ; a sample of them is kept to check uniqueness (all 16 M would not fit a Set cheaply).
      if (id === previous) throw new Error(`repeated id ${id}`);
      if (i % 1024 === 0 || i > n - 2048) {
        if (seen.has(id)) throw new Error(`repeated id ${id}`);
        seen.add(id);
      }
      previous = id;
    }
    expect(previous).toMatch(UUID_SHAPE);
    expect(seen.size).toBeGreaterThan(n / 1024);
  });

  it('keeps a well-formed incoming id and replaces a malformed or missing one', () => {
    const md = new Metadata();
    md.set('x-request-id', 'client-abc.1:2');
    expect(requestIdFrom(md)).toBe('client-abc.1:2');
    const bad = new Metadata();
    bad.set('x-request-id', 'has spaces and {json}');
    expect(requestIdFrom(bad)).toMatch(UUID_SHAPE);
    expect(requestIdFrom(new Metadata())).toMatch(UUID_SHAPE);
  });
});
