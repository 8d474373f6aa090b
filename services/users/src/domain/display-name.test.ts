import { normalizeDisplayName } from './display-name';

// A display name's form is the contract's: test/contracts/request-rules.test.ts.

describe('display names', () => {
  it('are trimmed', () => {
    expect(normalizeDisplayName('  Ada Lovelace ')).toBe('Ada Lovelace');
  });
});
