import type { FieldViolation } from '@shop/kit';
import { displayNameProblem, normalizeDisplayName } from './display-name';
import { emailProblem, normalizeEmail } from './email';
import { normalizePassword, passwordMeetsRules, PASSWORD_RULES } from './password-rules';

/** Registration is a validated, normalised registration request. */
export interface Registration {
  email: string;
  password: string;
  displayName: string;
}

/**
 * validateRegistration normalises the fields of a registration and checks
 * them all at once, so a client learns every problem in one round trip.
 */
export function validateRegistration(input: { email: string; password: string; displayName: string }): {
  registration: Registration;
  violations: FieldViolation[];
} {
  const registration = {
    email: normalizeEmail(input.email),
    password: normalizePassword(input.password),
    displayName: normalizeDisplayName(input.displayName),
  };
  const violations: FieldViolation[] = [];
  const email = emailProblem(registration.email);
  if (email) violations.push({ field: 'email', description: email });
  if (!passwordMeetsRules(registration.password)) violations.push({ field: 'password', description: PASSWORD_RULES });
  const name = displayNameProblem(registration.displayName);
  if (name) violations.push({ field: 'display_name', description: name });
  return { registration, violations };
}
