import path from 'node:path';
import { createPgliteDatabase } from './pglite';
import { createPostgresDatabase } from './postgres';
import { assertIdentifier, quoteIdentifier } from './sql-identifier';
import type { Database } from './types';

/** OpenDatabaseOptions pick and configure a service's storage. */
export interface OpenDatabaseOptions {
  /** service names the data directory (PGlite) or the schema (PostgreSQL): lower-case letters, digits and dashes. */
  service: string;
  /** databaseUrl selects PostgreSQL when set (DATABASE_URL); otherwise PGlite is used. */
  databaseUrl?: string;
  /** dataRoot holds one PGlite directory per service; defaults to ./data. */
  dataRoot?: string;
  /** schema overrides the PostgreSQL schema derived from service, so each test can use a throwaway one. Ignored on PGlite. */
  schema?: string;
  /** maxConnections, statementTimeoutMs and onError are passed to the PostgreSQL pool. */
  maxConnections?: number;
  statementTimeoutMs?: number;
  onError?: (err: Error) => void;
}

const SERVICE_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * openDatabase returns PostgreSQL when databaseUrl is set, else PGlite in
 * `${dataRoot}/${service}`. On PostgreSQL every service owns a schema named
 * after it (dashes become underscores) and creates it if missing, so several
 * services can share one database in dev and CI and still each own their
 * tables: unqualified names resolve only in the service's schema.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (!SERVICE_NAME.test(options.service)) {
    throw new TypeError(`service ${JSON.stringify(options.service)} must be lower-case letters, digits and dashes, starting with a letter`);
  }
  if (!options.databaseUrl) {
    return createPgliteDatabase({ dataDir: path.join(options.dataRoot ?? './data', options.service) });
  }
  const schema = options.schema ?? schemaForService(options.service);
  const db = createPostgresDatabase({
    url: options.databaseUrl,
    schema,
    applicationName: options.service,
    maxConnections: options.maxConnections,
    statementTimeoutMs: options.statementTimeoutMs,
    onError: options.onError,
  });
  try {
    await ensureSchema(db, schema);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** schemaForService is the PostgreSQL schema a service owns. */
export function schemaForService(service: string): string {
  const schema = service.replace(/-/g, '_');
  assertIdentifier(schema, 'schema');
  return schema;
}

/**
 * ensureSchema creates the schema if missing. Two replicas starting at once
 * can both pass IF NOT EXISTS and one then fails on the catalog's unique
 * index, so creation is serialised with an advisory lock on the name.
 */
async function ensureSchema(db: Database, schema: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('shopmesh.schema'), hashtext($1))`, [schema]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  });
}
