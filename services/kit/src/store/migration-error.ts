/**
 * MigrationError stops a service at start-up when its migrations cannot be
 * applied as written: a bad file name, a gap or duplicate in the versions, an
 * applied migration whose SQL was edited, or a migration that failed. The
 * message names the migration and what to do; the failing SQL error, if any,
 * is kept as cause.
 */
export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}
