import { normalizeEmail } from './email';

// An email's form is the contract's: test/contracts/request-rules.test.ts.

describe('normalizeEmail', () => {
  it('trims and lower-cases an address', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });
});
