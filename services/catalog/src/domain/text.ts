/** codePoints counts the characters of text as a reader does, a surrogate pair as one. */
export function codePoints(text: string): number {
  return Array.from(text).length;
}

// PostgreSQL text cannot hold NUL, and single-line fields have no use for any
// control character, so both are refused before they reach the database.
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** hasControl is true when a single-line text holds a control character (tab and newline included). */
export function hasControl(text: string): boolean {
  return CONTROL.test(text);
}

/** hasControlButWhitespace is true when a multi-line text holds a control character other than tab, line feed and carriage return. */
export function hasControlButWhitespace(text: string): boolean {
  return CONTROL_BUT_WHITESPACE.test(text);
}

/**
 * foldCase is the case-insensitive form of a name, used for sorting by name
 * and for name_contains. It is computed here rather than with SQL lower(),
 * whose result depends on the database's locale (PGlite and a PostgreSQL
 * with another LC_CTYPE would disagree on non-ASCII letters).
 */
export function foldCase(text: string): string {
  return text.toLowerCase();
}
