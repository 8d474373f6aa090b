import type { Queryable } from './types';

/**
 * KIT_TABLES_SQL creates the tables the kit itself owns in every service's
 * schema: the migration ledger and the idempotency keys used by
 * runIdempotent. migrate() runs it before the service's own migrations, so a
 * service that migrates can use runIdempotent without a migration of its own.
 * The statements are idempotent; a future change to these tables needs a new
 * statement here that is idempotent as well (ALTER TABLE … ADD COLUMN IF NOT
 * EXISTS), since they are not versioned with the service's migrations.
 */
export const KIT_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
`;

/** createKitTables runs KIT_TABLES_SQL; call it inside the migration lock. */
export async function createKitTables(tx: Queryable): Promise<void> {
  await tx.query(KIT_TABLES_SQL);
}
