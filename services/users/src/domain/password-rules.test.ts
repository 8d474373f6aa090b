import { normalizePassword, passwordMeetsRules, PASSWORD_RULES } from './password-rules';

describe('passwordMeetsRules', () => {
  it('accepts 10 characters with a letter and a digit', () => {
    expect(passwordMeetsRules('abcdefghi1')).toBe(true);
  });

  it('rejects 9 characters', () => {
    expect(passwordMeetsRules('abcdefgh1')).toBe(false);
  });

  it('accepts 128 characters and rejects 129', () => {
    expect(passwordMeetsRules(`1${'a'.repeat(127)}`)).toBe(true);
    expect(passwordMeetsRules(`1${'a'.repeat(128)}`)).toBe(false);
  });

  it('rejects a password without a digit', () => {
    expect(passwordMeetsRules('abcdefghijkl')).toBe(false);
  });

  it('rejects a password without a letter', () => {
    expect(passwordMeetsRules('1234567890!!')).toBe(false);
  });

  it('counts characters, not UTF-16 units, and takes letters of any script', () => {
    // Nine astral characters are 18 UTF-16 units but still too short.
    expect(passwordMeetsRules('😀😀😀😀😀😀😀😀1')).toBe(false);
    expect(passwordMeetsRules('пароль12345')).toBe(true);
  });
});

describe('normalizePassword', () => {
  it('makes composed and decomposed forms of the same text equal', () => {
    expect(normalizePassword('caf\u0065\u0301-secret-1')).toBe(normalizePassword('caf\u00e9-secret-1'));
  });
});

describe('PASSWORD_RULES', () => {
  it('states every rule', () => {
    expect(PASSWORD_RULES).toBe('must be 10 to 128 characters long and contain at least one letter and one digit');
  });
});
