/** MAX_EMAIL_LENGTH is the longest address accepted (RFC 5321's path limit less the angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

// One @, a local part and a dotted domain, no spaces or control characters.
// Deliberately loose: the only real test of an address is mail reaching it.
const EMAIL = /^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}.]+(\.[^\s@\p{Cc}.]+)+$/u;

/** normalizeEmail is the form an email is stored and looked up in: trimmed and lower-cased. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/**
 * emailProblem returns why a normalised email is not acceptable, or
 * undefined when it is.
 */
export function emailProblem(email: string): string | undefined {
  if (email === '') return 'is required';
  if (email.length > MAX_EMAIL_LENGTH) return `must be at most ${MAX_EMAIL_LENGTH} characters`;
  if (!EMAIL.test(email)) return 'must be an email address such as name@example.com';
  return undefined;
}
