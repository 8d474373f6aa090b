import { displayNameProblem, normalizeDisplayName } from './display-name';

describe('display names', () => {
  it('are trimmed', () => {
    expect(normalizeDisplayName('  Ada Lovelace ')).toBe('Ada Lovelace');
  });

  it('are required after trimming', () => {
    expect(displayNameProblem(normalizeDisplayName('   '))).toBe('is required');
  });

  it('may be 100 characters but not 101', () => {
    expect(displayNameProblem('x'.repeat(100))).toBeUndefined();
    expect(displayNameProblem('x'.repeat(101))).toBe('must be 1 to 100 characters');
  });

  it('may not hold control characters', () => {
    expect(displayNameProblem('Ada\nLovelace')).toMatch(/control/);
  });
});
