import { createHash } from 'node:crypto';
import { createKitTables } from './kit-tables';
import { MigrationError } from './migration-error';
import type { Database, Migration, Queryable } from './types';

/** MigrateOptions configure migrate; logger is satisfied by a pino logger. */
export interface MigrateOptions {
  logger?: { info(details: object, message: string): void; warn?(details: object, message: string): void };
}

/**
 * MigrateResult says which versions this call applied and the schema
 * version this build runs with; `ahead` lists the compatible migrations of a
 * newer release the database already has (see migrate), usually none.
 */
export interface MigrateResult {
  applied: number[];
  version: number;
  ahead?: number[];
}

interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  compatible: boolean;
}

/**
 * COMPATIBLE_DIRECTIVE marks a migration as an expand step: a line of its
 * own, `-- migration: compatible`, says the code of the release before it
 * runs unchanged against the schema after it (new tables, new nullable or
 * defaulted columns, new indexes; nothing dropped, renamed or narrowed).
 */
const COMPATIBLE_DIRECTIVE = /^--[ \t]*migration:[ \t]*compatible[ \t]*$/m;

/** isCompatible tells whether a migration's SQL carries the `-- migration: compatible` line. */
export function isCompatible(sql: string): boolean {
  return COMPATIBLE_DIRECTIVE.test(sql);
}

/**
 * migrate brings the database up to the last of migrations, applying each
 * pending one in its own transaction together with its schema_migrations
 * row, so a crash leaves every migration either fully applied and recorded
 * or not at all. It refuses to run (MigrationError) when the versions are not
 * 1, 2, 3… without gaps or duplicates, or when an applied migration's SQL
 * has changed.
 *
 * Expand and contract: the database may be ahead of the code, as when a
 * blue-green release has migrated and the previous release's pods restart
 * (a rollback, a rescheduled pod). Such a process starts when every
 * migration it does not know was marked compatible by its author (the
 * `-- migration: compatible` line, recorded in the ledger when applied), and
 * logs that the schema is ahead. A migration without the mark (a contract
 * step: a column dropped, a type narrowed) makes older code refuse to start
 * with a MigrationError that names it: rolling back past it needs a restore.
 *
 * Migration SQL runs inside a transaction, so statements that refuse one
 * (CREATE INDEX CONCURRENTLY, ALTER TYPE … ADD VALUE before PostgreSQL 12)
 * do not belong in migrations.
 *
 * Several replicas may start at once against one PostgreSQL: every step
 * takes a transaction-scoped advisory lock keyed on the schema, and re-reads
 * the ledger under it, so each migration is applied by exactly one process.
 * PGlite supports the same advisory lock functions (trivially granted, as it
 * is single-connection), so the same SQL runs on both.
 */
export async function migrate(db: Database, migrations: readonly Migration[], opts: MigrateOptions = {}): Promise<MigrateResult> {
  const wanted = checkSequence(migrations);
  const initial = await db.transaction(async (tx) => {
    await lockSchema(tx);
    await createKitTables(tx);
    return readApplied(tx);
  });
  checkApplied(initial, wanted);
  if (initial.length > wanted.length) {
    const ahead = initial.slice(wanted.length);
    opts.logger?.warn?.(
      { version: wanted.length, schema_version: initial.length, ahead: ahead.map((row) => `${row.version}_${row.name}`) },
      'the database schema is ahead of this build by migrations marked compatible; running against it',
    );
    return { applied: [], version: wanted.length, ahead: ahead.map((row) => row.version) };
  }

  const applied: number[] = [];
  for (const migration of wanted.slice(initial.length)) {
    const ran = await db.transaction(async (tx) => {
      await lockSchema(tx);
      const current = await readApplied(tx);
      // Another replica may have applied it since the first read.
      if (current.some((row) => row.version === migration.version)) {
        checkApplied(current, wanted);
        return false;
      }
      await applyOne(tx, migration);
      return true;
    });
    if (ran) {
      applied.push(migration.version);
      opts.logger?.info({ version: migration.version, name: migration.name }, 'migration applied');
    }
  }
  return { applied, version: wanted.length };
}

/** checksumOf is the sha256 of a migration's SQL; line endings are normalised so a CRLF checkout is not an edit. */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** checkSequence sorts the migrations and checks the versions are 1..n. */
function checkSequence(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((migration, index) => {
    const previous = sorted[index - 1];
    if (previous !== undefined && previous.version === migration.version) {
      throw new MigrationError(`migration version ${migration.version} is used twice (${previous.name} and ${migration.name}); give each migration its own number`);
    }
    if (!Number.isInteger(migration.version) || migration.version !== index + 1) {
      throw new MigrationError(`migration versions must run 1, 2, 3… without gaps: expected ${index + 1} but found ${migration.version} (${migration.name})`);
    }
  });
  return sorted;
}

/** checkApplied compares the ledger with this build's migrations. */
function checkApplied(applied: readonly AppliedMigration[], wanted: readonly Migration[]): void {
  applied.forEach((row, index) => {
    const migration = wanted[index];
    if (migration === undefined) {
      if (row.compatible) return;
      throw new MigrationError(
        `the database has migration ${row.version} (${row.name}) that this build does not contain and that is not marked compatible: it was applied by a newer release that changed the schema in a way this code cannot run against; run that release (or newer), or restore the database from before it`,
      );
    }
    if (row.version !== migration.version) {
      throw new MigrationError(`the migration ledger has a gap: expected version ${migration.version} but found ${row.version} (${row.name})`);
    }
    const checksum = checksumOf(migration.sql);
    if (row.checksum !== checksum) {
      throw new MigrationError(
        `migration ${row.version} (${row.name}) was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${checksum.slice(0, 12)}… in the code); applied migrations are immutable: restore it and add a new migration instead`,
      );
    }
  });
}

/** lockSchema serialises migrators of the current schema until the transaction ends. */
async function lockSchema(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('shopmesh.migrate'), hashtext(current_schema()))`);
}

async function readApplied(tx: Queryable): Promise<AppliedMigration[]> {
  const { rows } = await tx.query<AppliedMigration>('SELECT version, name, checksum, compatible FROM schema_migrations ORDER BY version');
  return rows;
}

async function applyOne(tx: Queryable, migration: Migration): Promise<void> {
  try {
    await tx.query(migration.sql);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new MigrationError(`migration ${migration.version} (${migration.name}) failed: ${reason}`, { cause: err });
  }
  await tx.query('INSERT INTO schema_migrations (version, name, checksum, applied_at, compatible) VALUES ($1, $2, $3, now(), $4)', [
    migration.version,
    migration.name,
    checksumOf(migration.sql),
    isCompatible(migration.sql),
  ]);
}
