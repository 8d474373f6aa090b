import { validateRegistration } from './registration';

describe('validateRegistration', () => {
  it('normalises a valid registration', () => {
    expect(validateRegistration({ email: ' Ada@Example.com ', password: 'analytical-engine-1', displayName: ' Ada ' })).toEqual({
      registration: { email: 'ada@example.com', password: 'analytical-engine-1', displayName: 'Ada' },
      violations: [],
    });
  });

  it('reports every invalid field at once, the password with the full rules', () => {
    const { violations } = validateRegistration({ email: 'nope', password: 'short', displayName: '' });
    expect(violations).toEqual([
      { field: 'email', description: 'must be an email address such as name@example.com' },
      { field: 'password', description: 'must be 10 to 128 characters long and contain at least one letter and one digit' },
      { field: 'display_name', description: 'is required' },
    ]);
  });
});
