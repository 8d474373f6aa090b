// An email's form (at most 254 characters, one @, a local part and a dotted
// domain, no spaces or control characters) is the contract's
// (shop.common.v1.email_address on RegisterRequest.email), enforced by the
// runtime before a handler runs.

/** normalizeEmail is the form an email is stored and looked up in: trimmed and lower-cased. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}
