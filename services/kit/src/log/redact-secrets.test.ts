import { REDACTED } from './secret-fields';
import { redactSecrets } from './redact-secrets';

describe('redactSecrets', () => {
  it('returns the very same object when there is no secret', () => {
    const line = { request_id: 'r-1', code: 'OK', nested: { a: 1, b: [1, 2] } };
    expect(redactSecrets(line)).toBe(line);
  });

  it('replaces secrets at the top level, one and two objects deep, and inside arrays', () => {
    const input = {
      password: 'p',
      req: { headers: { authorization: 'Bearer x', host: 'h' } },
      items: [{ token: 't' }],
      kept: 'k',
    };
    expect(redactSecrets(input)).toEqual({
      password: REDACTED,
      req: { headers: { authorization: REDACTED, host: 'h' } },
      items: [{ token: REDACTED }],
      kept: 'k',
    });
  });

  it('never changes the input', () => {
    const input = { user: { password: 'kept' }, list: [{ secret: 's' }] };
    const snapshot = JSON.parse(JSON.stringify(input));
    redactSecrets(input);
    expect(input).toEqual(snapshot);
  });

  it('finds secrets at any depth, in arrays too', () => {
    const input = { a: { b: { c: { password: 'deep', list: [{ d: { e: { token: 't' } } }] } } } };
    expect(redactSecrets(input)).toEqual({ a: { b: { c: { password: '[redacted]', list: [{ d: { e: { token: '[redacted]' } } }] } } } });
  });

  it('ends at a cycle and bounds the depth, so nothing hides below it', () => {
    const cyclic: Record<string, unknown> = { a: { b: { c: {} } } };
    ((cyclic.a as any).b.c as Record<string, unknown>).back = cyclic.a;
    expect(() => redactSecrets(cyclic)).not.toThrow();
    let deep: Record<string, unknown> = { password: 'bottom' };
    for (let i = 0; i < 100; i++) deep = { next: deep };
    expect(JSON.stringify(redactSecrets(deep))).not.toContain('bottom');
  });

  it('leaves undefined secrets out rather than inventing a value', () => {
    const input = { token: undefined, code: 'OK' };
    expect(redactSecrets(input)).toBe(input);
  });
});
