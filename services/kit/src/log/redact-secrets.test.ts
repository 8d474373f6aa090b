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

  it('stops at three levels, as documented', () => {
    const input = { a: { b: { c: { password: 'deep' } } } };
    expect(redactSecrets(input)).toBe(input);
  });

  it('leaves undefined secrets out rather than inventing a value', () => {
    const input = { token: undefined, code: 'OK' };
    expect(redactSecrets(input)).toBe(input);
  });
});
