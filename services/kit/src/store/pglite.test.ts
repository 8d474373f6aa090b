import { createPgliteDatabase } from './pglite';
import { sleep } from './test-backends';
import type { Database } from './types';

describe('createPgliteDatabase', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createPgliteDatabase({});
  });
  afterAll(async () => {
    await db.close();
  });

  it('never interleaves the statements of concurrent transactions', async () => {
    await db.query('CREATE TABLE counter (n int NOT NULL); INSERT INTO counter VALUES (0)');
    // Read, yield, write: interleaved on one connection this loses updates (no FOR UPDATE on purpose).
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number }>('SELECT n FROM counter');
          await sleep(1);
          await tx.query('UPDATE counter SET n = $1', [rows[0]!.n + 1]);
        }),
      ),
    );
    expect((await db.query('SELECT n FROM counter')).rows).toEqual([{ n: 20 }]);
  });

  it('makes a query outside a transaction wait until the transaction has ended', async () => {
    await db.query('CREATE TABLE waiting (x int)');
    let release!: () => void;
    const inserted = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = db
      .transaction(async (tx) => {
        await tx.query('INSERT INTO waiting VALUES (1)');
        release();
        await sleep(20);
        throw new Error('roll back');
      })
      .catch(() => 'rolled back');
    await inserted;
    // Run inside the open transaction, this would see the uncommitted row.
    const seen = await db.query('SELECT count(*) AS n FROM waiting');
    expect(await transaction).toBe('rolled back');
    expect(seen.rows).toEqual([{ n: '0' }]);
  });

  it('throws instead of deadlocking when the database is used from inside its own transaction', async () => {
    await expect(db.transaction(() => db.query('SELECT 1'))).rejects.toThrow('use the tx passed to transaction()');
    await expect(db.transaction(() => db.transaction(async () => 1))).rejects.toThrow('use the tx passed to transaction()');
  });

  it('keeps working after a failed statement outside a transaction', async () => {
    await expect(db.query('SELECT * FROM missing_table')).rejects.toThrow('missing_table');
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
