import { TransactionAbortedError } from './transaction-control';
import { describeEachBackend, sleep, type TestStore } from './test-backends';

describeEachBackend((backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it('reports which backend it is', () => {
    expect(store.db.kind).toBe(backend.kind);
  });

  it('answers ping', async () => {
    await expect(store.db.ping()).resolves.toBeUndefined();
  });

  it('returns the same JS types for the same SQL', async () => {
    const { rows, rowCount } = await store.db.query(`
      SELECT 9007199254740993::int8 AS big, 7::int8 AS small, (SELECT count(*) FROM (VALUES (1), (2)) v) AS n,
             12.50::numeric AS amount, 42::int4 AS i, 1.5::float8 AS f, true AS yes,
             '2024-05-06T07:08:09.123Z'::timestamptz AS at, '2024-05-06'::date AS day,
             '1 day 02:00:00'::interval AS span, '{"a": [1, "x", null]}'::jsonb AS doc,
             '\\x01ff'::bytea AS bytes, ARRAY[1, 9007199254740993]::int8[] AS bigs,
             ARRAY['2024-05-06'::date] AS days, NULL::text AS nothing`);
    expect(rowCount).toBe(1);
    expect(rows[0]).toEqual({
      big: '9007199254740993',
      small: '7',
      n: '2',
      amount: '12.50',
      i: 42,
      f: 1.5,
      yes: true,
      at: new Date('2024-05-06T07:08:09.123Z'),
      day: '2024-05-06',
      span: '1 day 02:00:00',
      doc: { a: [1, 'x', null] },
      bytes: Buffer.from([0x01, 0xff]),
      bigs: ['1', '9007199254740993'],
      days: ['2024-05-06'],
      nothing: null,
    });
    expect(rows[0]!.at).toBeInstanceOf(Date);
    expect(Buffer.isBuffer(rows[0]!.bytes)).toBe(true);
  });

  it('round-trips parameters through a table', async () => {
    await store.db.query('CREATE TABLE params (id int8 PRIMARY KEY, at timestamptz, doc jsonb, bytes bytea, price numeric)');
    const at = new Date('2030-01-02T03:04:05.678Z');
    const insert = await store.db.query('INSERT INTO params VALUES ($1, $2, $3, $4, $5)', [
      '9007199254740993',
      at,
      JSON.stringify([{ sku: 'A-1', qty: 2 }]),
      Buffer.from('hi'),
      '19.99',
    ]);
    expect(insert.rowCount).toBe(1);
    const { rows } = await store.db.query('SELECT * FROM params WHERE id = $1', [9007199254740993n]);
    expect(rows).toEqual([{ id: '9007199254740993', at, doc: [{ sku: 'A-1', qty: 2 }], bytes: Buffer.from('hi'), price: '19.99' }]);
  });

  it('counts changed rows for updates and returned rows for selects', async () => {
    await store.db.query('CREATE TABLE counted (x int); INSERT INTO counted VALUES (1), (2), (3)');
    expect((await store.db.query('UPDATE counted SET x = x + 10 WHERE x < $1', [3])).rowCount).toBe(2);
    expect((await store.db.query('DELETE FROM counted WHERE x > $1', [100])).rowCount).toBe(0);
    expect((await store.db.query('SELECT x FROM counted WHERE x > $1', [0])).rowCount).toBe(3);
  });

  it('returns the last result of several statements sent without parameters', async () => {
    const { rows } = await store.db.query(`CREATE TABLE multi (x int); INSERT INTO multi VALUES (5); SELECT x FROM multi`);
    expect(rows).toEqual([{ x: 5 }]);
  });

  it('commits a transaction that returns', async () => {
    await store.db.query('CREATE TABLE committed (x int)');
    const result = await store.db.transaction(async (tx) => {
      await tx.query('INSERT INTO committed VALUES ($1)', [1]);
      return 'done';
    });
    expect(result).toBe('done');
    expect((await store.db.query('SELECT x FROM committed')).rows).toEqual([{ x: 1 }]);
  });

  it('rolls back a transaction that throws and rethrows the error', async () => {
    await store.db.query('CREATE TABLE rolled (x int)');
    const failure = new Error('boom');
    await expect(
      store.db.transaction(async (tx) => {
        await tx.query('INSERT INTO rolled VALUES ($1)', [1]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await store.db.query('SELECT x FROM rolled')).rows).toEqual([]);
    // The connection is usable again after the rollback.
    await store.db.transaction((tx) => tx.query('INSERT INTO rolled VALUES (2)'));
    expect((await store.db.query('SELECT x FROM rolled')).rows).toEqual([{ x: 2 }]);
  });

  it('refuses to report a commit when a swallowed statement error aborted the transaction', async () => {
    await store.db.query('CREATE TABLE aborted (x int)');
    await expect(
      store.db.transaction(async (tx) => {
        await tx.query('INSERT INTO aborted VALUES (1)');
        await tx.query('SELECT 1 / 0').catch(() => undefined);
      }),
    ).rejects.toBeInstanceOf(TransactionAbortedError);
    expect((await store.db.query('SELECT x FROM aborted')).rows).toEqual([]);
  });

  it('runs a transaction at the requested isolation level', async () => {
    const level = await store.db.transaction(
      async (tx) => (await tx.query<{ transaction_isolation: string }>('SHOW transaction_isolation')).rows[0]!.transaction_isolation,
      { isolation: 'serializable' },
    );
    expect(level).toBe('serializable');
  });

  it('rejects a transaction handle used after its transaction ended', async () => {
    let leaked: { query(sql: string): Promise<unknown> } | undefined;
    await store.db.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.query('SELECT 1')).rejects.toThrow('after the transaction ended');
  });

  it('gives exactly one increment per transaction under concurrency when rows are locked', async () => {
    await store.db.query('CREATE TABLE counter_locked (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter_locked VALUES (1, 0)');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.db.transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number }>('SELECT n FROM counter_locked WHERE id = 1 FOR UPDATE');
          await sleep(1);
          await tx.query('UPDATE counter_locked SET n = $1 WHERE id = 1', [rows[0]!.n + 1]);
        }),
      ),
    );
    expect((await store.db.query('SELECT n FROM counter_locked')).rows).toEqual([{ n: 20 }]);
  });
});
