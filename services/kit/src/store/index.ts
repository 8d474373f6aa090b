export type { Database, IsolationLevel, Migration, Queryable, QueryResult, TransactionOptions } from './types';
export { createPgliteDatabase, type PgliteDatabaseOptions } from './pglite';
export { createPostgresDatabase, type PostgresDatabaseOptions } from './postgres';
export { NOTIFY_SQL, type Subscription } from './notifications';
export { openDatabase, schemaForService, type OpenDatabaseOptions } from './open-database';
export { TransactionAbortedError } from './transaction-control';
export { migrate, checksumOf, type MigrateOptions, type MigrateResult } from './migrate';
export { loadMigrations } from './load-migrations';
export { MigrationError } from './migration-error';
export {
  runIdempotent,
  IdempotencyConflictError,
  type IdempotencyCodec,
  type IdempotencyRequest,
  type IdempotentOutcome,
} from './idempotency';
export { hashRequest } from './hash-request';
export { installationSecret } from './installation-secret';
