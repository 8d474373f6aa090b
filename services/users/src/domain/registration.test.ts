import { checkRegistration, normalizeRegistration } from './registration';

describe('normalizeRegistration', () => {
  it('normalises a registration', () => {
    expect(normalizeRegistration({ email: ' Ada@Example.com ', password: 'analytical-engine-1', displayName: ' Ada ' })).toEqual({
      registration: { email: 'ada@example.com', password: 'analytical-engine-1', displayName: 'Ada' },
      violations: [],
    });
  });

  it('refuses a password whose NFKC form breaks the rules the contract checked on the form sent', () => {
    // Nine characters as sent would be refused by the contract; this one is 10 as sent and 129 once "ﬃ" becomes "ffi".
    const expands = `${'ﬃ'.repeat(1)}${'a1'.repeat(63)}x`;
    expect([...expands]).toHaveLength(128);
    expect(normalizeRegistration({ email: 'ada@example.com', password: expands, displayName: 'Ada' }).violations).toEqual([
      { field: 'password', description: 'must be 10 to 128 characters long and contain at least one letter and one digit' },
    ]);
  });
});

describe('checkRegistration', () => {
  it('checks a registration that came from configuration by the contract, every field at once', () => {
    expect(checkRegistration({ email: 'nope', password: 'short', displayName: '' }).violations.map((v) => v.field)).toEqual(['email', 'password', 'password', 'display_name']);
    expect(checkRegistration({ email: ' Ada@Example.com ', password: 'analytical-engine-1', displayName: ' Ada ' })).toEqual({
      registration: { email: 'ada@example.com', password: 'analytical-engine-1', displayName: 'Ada' },
      violations: [],
    });
  });
});
