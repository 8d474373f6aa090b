import { Client } from 'pg';
import { createPostgresDatabase } from './postgres';
import { describePostgres, sleep, testDatabaseUrl } from './test-backends';

describePostgres('createPostgresDatabase', () => {
  const url = testDatabaseUrl!;

  it('reports an idle connection dropped by the server to onError and reconnects', async () => {
    const onError = jest.fn();
    const db = createPostgresDatabase({ url, maxConnections: 1, onError });
    try {
      const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await terminate(url, rows[0]!.pid);
      for (let i = 0; i < 100 && onError.mock.calls.length === 0; i++) await sleep(10);
      expect(onError).toHaveBeenCalledWith(expect.any(Error));
      const after = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(after.rows[0]!.pid).not.toBe(rows[0]!.pid);
    } finally {
      await db.close();
    }
  });

  it('cancels statements that run longer than statementTimeoutMs', async () => {
    const db = createPostgresDatabase({ url, statementTimeoutMs: 50 });
    try {
      await expect(db.query('SELECT pg_sleep(2)')).rejects.toThrow('statement timeout');
      await expect(db.ping()).resolves.toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it('rejects a schema name that would need quoting', () => {
    expect(() => createPostgresDatabase({ url, schema: 'Robert"; DROP' })).toThrow('must be a lower-case SQL identifier');
  });
});

async function terminate(url: string, pid: number): Promise<void> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}
