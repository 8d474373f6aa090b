/**
 * foldCase is the case-insensitive form of a name, used for sorting by name
 * and for name_contains. It is computed here rather than with SQL lower(),
 * whose result depends on the database's locale (PGlite and a PostgreSQL
 * with another LC_CTYPE would disagree on non-ASCII letters).
 */
export function foldCase(text: string): string {
  return text.toLowerCase();
}
