import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, schemaForService } from './open-database';
import { describePostgres } from './test-backends';

describe('openDatabase', () => {
  it('opens PGlite under dataRoot/service when no database URL is set', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'shopmesh-open-'));
    try {
      const db = await openDatabase({ service: 'catalog', dataRoot: root });
      expect(db.kind).toBe('pglite');
      await db.close();
      expect((await stat(path.join(root, 'catalog', 'PG_VERSION'))).isFile()).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('rejects a service name that is not a plain lower-case name', async () => {
    await expect(openDatabase({ service: '../etc', dataRoot: tmpdir() })).rejects.toThrow('"../etc" must be lower-case letters');
  });

  it('derives the schema from the service name', () => {
    expect(schemaForService('order-history')).toBe('order_history');
  });
});

describePostgres('openDatabase on PostgreSQL', (backend) => {
  it('gives each service its own schema, so equal table names do not collide', async () => {
    const store = await backend.open();
    const neighbour = await backend.open();
    try {
      expect(store.db.kind).toBe('postgres');
      await store.db.query('CREATE TABLE items (name text)');
      await neighbour.db.query('CREATE TABLE items (name text)');
      await store.db.query("INSERT INTO items VALUES ('mine')");
      expect((await neighbour.db.query('SELECT name FROM items')).rows).toEqual([]);
      const [mine, theirs] = await Promise.all([store.db.query('SELECT current_schema() AS s'), neighbour.db.query('SELECT current_schema() AS s')]);
      expect(mine.rows[0]!.s).toMatch(/^test_[0-9a-f]{12}$/);
      expect(mine.rows[0]!.s).not.toBe(theirs.rows[0]!.s);
    } finally {
      await store.dispose();
      await neighbour.dispose();
    }
  });

  it('survives several replicas creating the same schema at once', async () => {
    const store = await backend.open();
    try {
      const replicas = await Promise.all(Array.from({ length: 4 }, () => store.connectAgain!()));
      await Promise.all(replicas.map((db) => db.ping()));
    } finally {
      await store.dispose();
    }
  });
});
