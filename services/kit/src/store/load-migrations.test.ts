import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadMigrations } from './load-migrations';
import { MigrationError } from './migration-error';

describe('loadMigrations', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shopmesh-migrations-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads NNNN_name.sql files sorted by their number, not their text', async () => {
    await writeFile(path.join(dir, '0010_add_index.sql'), 'CREATE INDEX i ON t (x);');
    await writeFile(path.join(dir, '0002_seed.sql'), 'INSERT INTO t VALUES (1);');
    await writeFile(path.join(dir, '0001_create_t.sql'), 'CREATE TABLE t (x int);');
    await writeFile(path.join(dir, 'README.md'), 'not a migration');
    expect(await loadMigrations(dir)).toEqual([
      { version: 1, name: 'create_t', sql: 'CREATE TABLE t (x int);' },
      { version: 2, name: 'seed', sql: 'INSERT INTO t VALUES (1);' },
      { version: 10, name: 'add_index', sql: 'CREATE INDEX i ON t (x);' },
    ]);
  });

  it('rejects a .sql file that is not named like a migration', async () => {
    await writeFile(path.join(dir, 'create_t.sql'), 'CREATE TABLE t (x int);');
    const failure = loadMigrations(dir);
    await expect(failure).rejects.toBeInstanceOf(MigrationError);
    await expect(failure).rejects.toThrow('"create_t.sql"');
  });

  it('returns no migrations for an empty directory', async () => {
    expect(await loadMigrations(dir)).toEqual([]);
  });
});
