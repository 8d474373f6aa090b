// A display name's form (1 to 100 characters, not blank, no control
// characters) is the contract's, enforced by the runtime before a handler
// runs.

/** normalizeDisplayName trims a display name; inner spacing is the user's own. */
export function normalizeDisplayName(raw: string): string {
  return raw.trim();
}
