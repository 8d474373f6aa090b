import { emailProblem, normalizeEmail } from './email';

describe('normalizeEmail', () => {
  it('trims and lower-cases an address', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM \n')).toBe('ada.lovelace@example.com');
  });
});

describe('emailProblem', () => {
  it('accepts ordinary addresses, including plus tags and subdomains', () => {
    expect(emailProblem('ada@example.com')).toBeUndefined();
    expect(emailProblem('ada+shop@mail.example.co.uk')).toBeUndefined();
  });

  it('says an empty address is required', () => {
    expect(emailProblem('')).toBe('is required');
  });

  it.each(['ada', 'ada@', '@example.com', 'ada@example', 'ada@@example.com', 'a da@example.com', 'ada@example..com', 'ada@.example.com'])(
    'rejects %j',
    (email) => {
      expect(emailProblem(email)).toMatch(/email address/);
    },
  );

  it('rejects an address longer than 254 characters', () => {
    expect(emailProblem(`${'a'.repeat(60)}@${'b'.repeat(190)}.com`)).toMatch(/at most 254/);
  });

  it('rejects a local part longer than 64 characters', () => {
    expect(emailProblem(`${'a'.repeat(65)}@example.com`)).toMatch(/email address/);
  });
});
