/** MIN_PASSWORD_LENGTH and MAX_PASSWORD_LENGTH bound a password, counted in Unicode characters (the contract's min_len and max_len). */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;

/** PASSWORD_RULES is the description sent with a password the normalised form of which breaks the rules. */
export const PASSWORD_RULES = `must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long and contain at least one letter and one digit`;

/**
 * normalizePassword puts a password in Unicode NFKC form before it is
 * checked or hashed (as NIST SP 800-63B suggests), so the same password typed
 * on two keyboards that compose characters differently still matches.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * passwordMeetsRules tells whether a normalised password follows
 * PASSWORD_RULES. The contract holds the password a client sends to the
 * same rules (shop.common.v1.password with min_len and max_len); NFKC can
 * change a password's length (a ligature becomes two letters), so the form
 * that is hashed is checked once more here.
 */
export function passwordMeetsRules(password: string): boolean {
  const length = [...password].length;
  return length >= MIN_PASSWORD_LENGTH && length <= MAX_PASSWORD_LENGTH && /\p{L}/u.test(password) && /\p{Nd}/u.test(password);
}
