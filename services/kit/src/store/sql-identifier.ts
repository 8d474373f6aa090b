// Lower-case letters, digits and underscores, starting with a letter or
// underscore, at most 63 bytes (NAMEDATALEN - 1): names that never need
// quoting, so they can also go into the search_path start-up option.
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** assertIdentifier throws unless name is a plain lower-case SQL identifier; what says what it names, for the message. */
export function assertIdentifier(name: string, what: string): void {
  if (!PLAIN_IDENTIFIER.test(name)) {
    throw new TypeError(`${what} ${JSON.stringify(name)} must be a lower-case SQL identifier: letters, digits and _, starting with a letter or _, at most 63 characters`);
  }
}

/** quoteIdentifier returns name as a double-quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
