import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MigrationError } from './migration-error';
import type { Migration } from './types';

// 0001_create_products.sql: the number is the version, the rest the name.
const MIGRATION_FILE = /^(\d+)_([a-z0-9_-]+)\.sql$/i;

/**
 * loadMigrations reads the `NNNN_name.sql` files in dir, sorted by version.
 * Other files are ignored, but a `.sql` file without that shape is an error,
 * since it is almost certainly a migration that would otherwise be skipped.
 * Gaps and duplicates are reported by migrate().
 */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.toLowerCase().endsWith('.sql'));
  const migrations = await Promise.all(
    files.map(async (file): Promise<Migration> => {
      const match = MIGRATION_FILE.exec(file);
      if (!match) {
        throw new MigrationError(`migration file ${JSON.stringify(file)} in ${dir} must be named NNNN_name.sql (for example 0001_create_orders.sql)`);
      }
      const sql = await readFile(path.join(dir, file), 'utf8');
      return { version: Number(match[1]), name: match[2], sql };
    }),
  );
  return migrations.sort((a, b) => a.version - b.version);
}
