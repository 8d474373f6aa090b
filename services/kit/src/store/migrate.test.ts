import { checksumOf, migrate } from './migrate';
import { MigrationError } from './migration-error';
import { describeEachBackend, type TestStore } from './test-backends';
import type { Migration } from './types';

const migrations: Migration[] = [
  { version: 1, name: 'create_products', sql: 'CREATE TABLE products (sku text PRIMARY KEY, title text NOT NULL);' },
  { version: 2, name: 'seed_products', sql: "INSERT INTO products VALUES ('A-1', 'Mug'); INSERT INTO products VALUES ('B-2', 'Cup');" },
  { version: 3, name: 'add_price', sql: 'ALTER TABLE products ADD COLUMN price_minor int8 NOT NULL DEFAULT 0;' },
];

describeEachBackend((backend) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => {
    await store?.dispose();
  });

  it('applies pending migrations in order and records each one', async () => {
    const result = await migrate(store.db, [migrations[2]!, migrations[0]!, migrations[1]!]);
    expect(result).toEqual({ applied: [1, 2, 3], version: 3 });
    const { rows: products } = await store.db.query('SELECT sku, price_minor FROM products ORDER BY sku');
    expect(products).toEqual([
      { sku: 'A-1', price_minor: '0' },
      { sku: 'B-2', price_minor: '0' },
    ]);
    const { rows: ledger } = await store.db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
      'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
    );
    expect(ledger.map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual(
      migrations.map(({ version, name, sql }) => ({ version, name, checksum: checksumOf(sql) })),
    );
    expect(ledger[0]!.applied_at).toBeInstanceOf(Date);
  });

  it('does nothing when run again', async () => {
    await migrate(store.db, migrations);
    expect(await migrate(store.db, migrations)).toEqual({ applied: [], version: 3 });
    expect((await store.db.query('SELECT count(*) AS n FROM products')).rows).toEqual([{ n: '2' }]);
  });

  it('applies only the migrations added since the last run', async () => {
    await migrate(store.db, migrations.slice(0, 1));
    expect(await migrate(store.db, migrations)).toEqual({ applied: [2, 3], version: 3 });
  });

  it('logs each migration it applies', async () => {
    const info = jest.fn();
    await migrate(store.db, migrations.slice(0, 2), { logger: { info } });
    expect(info.mock.calls).toEqual([
      [{ version: 1, name: 'create_products' }, 'migration applied'],
      [{ version: 2, name: 'seed_products' }, 'migration applied'],
    ]);
  });

  it('creates the idempotency table for runIdempotent', async () => {
    await migrate(store.db, []);
    expect((await store.db.query('SELECT count(*) AS n FROM idempotency_keys')).rows).toEqual([{ n: '0' }]);
  });

  it('refuses to start when an applied migration was edited', async () => {
    await migrate(store.db, migrations);
    const edited = migrations.map((m) => (m.version === 2 ? { ...m, sql: `${m.sql} -- tweak` } : m));
    const failure = migrate(store.db, edited);
    await expect(failure).rejects.toBeInstanceOf(MigrationError);
    await expect(failure).rejects.toThrow('migration 2 (seed_products) was changed after it was applied');
  });

  it('treats a CRLF checkout of an applied migration as unchanged', async () => {
    const multiline: Migration = { version: 1, name: 'multi', sql: 'CREATE TABLE a (x int);\nCREATE TABLE b (y int);\n' };
    await migrate(store.db, [multiline]);
    expect(await migrate(store.db, [{ ...multiline, sql: multiline.sql.replace(/\n/g, '\r\n') }])).toEqual({ applied: [], version: 1 });
  });

  it('refuses to start when the database has a migration this build does not know and that is not marked compatible', async () => {
    await migrate(store.db, migrations);
    const failure = migrate(store.db, migrations.slice(0, 2));
    await expect(failure).rejects.toBeInstanceOf(MigrationError);
    await expect(failure).rejects.toThrow('the database has migration 3 (add_price) that this build does not contain and that is not marked compatible');
  });

  describe('expand and contract', () => {
    const expand: Migration = {
      version: 4,
      name: 'add_reviews',
      sql: '-- New table and a nullable column: the release before runs on.\n-- migration: compatible\nCREATE TABLE reviews (sku text, stars int);\nALTER TABLE products ADD COLUMN subtitle text;',
    };
    const contract: Migration = { version: 5, name: 'drop_title', sql: 'ALTER TABLE products DROP COLUMN title;' };

    it('records the compatible mark in the ledger', async () => {
      await migrate(store.db, [...migrations, expand]);
      const { rows } = await store.db.query<{ version: number; compatible: boolean }>('SELECT version, compatible FROM schema_migrations ORDER BY version');
      expect(rows).toEqual([
        { version: 1, compatible: false },
        { version: 2, compatible: false },
        { version: 3, compatible: false },
        { version: 4, compatible: true },
      ]);
    });

    it('lets the previous release start against a schema that is ahead by compatible migrations, and says so', async () => {
      await migrate(store.db, [...migrations, expand]);
      const warn = jest.fn();
      // The previous release knows migrations 1-3 only.
      const result = await migrate(store.db, migrations, { logger: { info: jest.fn(), warn } });
      expect(result).toEqual({ applied: [], version: 3, ahead: [4] });
      expect(warn).toHaveBeenCalledWith(
        { version: 3, schema_version: 4, ahead: ['4_add_reviews'] },
        'the database schema is ahead of this build by migrations marked compatible; running against it',
      );
      // Its queries still work on the expanded schema.
      await store.db.query("INSERT INTO products (sku, title) VALUES ('C-3', 'Bowl')");
      expect((await store.db.query('SELECT count(*) AS n FROM products')).rows).toEqual([{ n: '3' }]);
      // Rolling forward again applies nothing twice.
      expect(await migrate(store.db, [...migrations, expand])).toEqual({ applied: [], version: 4 });
    });

    it('refuses when one of the newer migrations is a contract step, naming it', async () => {
      await migrate(store.db, [...migrations, expand, contract]);
      await expect(migrate(store.db, migrations)).rejects.toThrow('the database has migration 5 (drop_title) that this build does not contain and that is not marked compatible');
      // The release that knows 4 but not 5 is refused as well.
      await expect(migrate(store.db, [...migrations, expand])).rejects.toThrow('migration 5 (drop_title)');
    });

    it('still refuses an edited migration among the ones it knows', async () => {
      await migrate(store.db, [...migrations, expand]);
      const edited = migrations.map((m) => (m.version === 1 ? { ...m, sql: `${m.sql} -- tweak` } : m));
      await expect(migrate(store.db, edited)).rejects.toThrow('migration 1 (create_products) was changed after it was applied');
    });

    it('takes the mark only as a line of its own', async () => {
      const { isCompatible } = await import('./migrate');
      expect(isCompatible('-- migration: compatible\nCREATE TABLE x (a int);')).toBe(true);
      expect(isCompatible('CREATE TABLE x (a int);\n--migration:compatible')).toBe(true);
      expect(isCompatible("CREATE TABLE x (a text DEFAULT '-- migration: compatible');")).toBe(false);
      expect(isCompatible('-- migration: compatible later, once the readers are gone')).toBe(false);
    });
  });

  it('rolls back a failing migration together with its ledger row and names it in the error', async () => {
    const broken: Migration = { version: 2, name: 'broken', sql: 'CREATE TABLE half (x int); SELECT * FROM no_such_table;' };
    const failure = migrate(store.db, [migrations[0]!, broken]);
    await expect(failure).rejects.toBeInstanceOf(MigrationError);
    await expect(failure).rejects.toThrow(/migration 2 \(broken\) failed: .*no_such_table/);
    const { rows } = await store.db.query("SELECT version FROM schema_migrations ORDER BY version");
    expect(rows).toEqual([{ version: 1 }]);
    const { rows: half } = await store.db.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'half' AND table_schema = current_schema()");
    expect(half).toEqual([{ n: '0' }]);
  });

  it('applies each migration once when two migrate() calls race', async () => {
    const other = store.connectAgain ? await store.connectAgain() : store.db;
    const results = await Promise.all([migrate(store.db, migrations), migrate(other, migrations)]);
    expect([...results[0].applied, ...results[1].applied].sort()).toEqual([1, 2, 3]);
    // The seed migration inserts rows with a primary key: applied twice, it would have failed.
    expect((await store.db.query('SELECT count(*) AS n FROM products')).rows).toEqual([{ n: '2' }]);
    expect((await store.db.query('SELECT count(*) AS n FROM schema_migrations')).rows).toEqual([{ n: '3' }]);
  });
});

describe('migrate, before touching the database', () => {
  const unusedDb = {} as never;

  it('rejects a duplicated version', async () => {
    const duplicate = [migrations[0]!, { ...migrations[1]!, version: 1 }];
    await expect(migrate(unusedDb, duplicate)).rejects.toThrow('migration version 1 is used twice (create_products and seed_products)');
  });

  it('rejects a gap in the versions', async () => {
    await expect(migrate(unusedDb, [migrations[0]!, migrations[2]!])).rejects.toThrow('expected 2 but found 3 (add_price)');
  });

  it('rejects versions that do not start at 1', async () => {
    await expect(migrate(unusedDb, [migrations[1]!])).rejects.toThrow('expected 1 but found 2');
  });
});
