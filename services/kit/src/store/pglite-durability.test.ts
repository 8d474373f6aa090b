import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPgliteDatabase } from './pglite';

describe('PGlite on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shopmesh-durability-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a missing data directory, including its parents', async () => {
    const nested = path.join(dir, 'data', 'catalog');
    const db = await createPgliteDatabase({ dataDir: nested });
    await db.ping();
    await db.close();
    const again = await createPgliteDatabase({ dataDir: nested });
    await again.close();
  });

  it('keeps committed rows across close and reopen', async () => {
    const first = await createPgliteDatabase({ dataDir: dir });
    await first.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
    await first.transaction((tx) => tx.query('INSERT INTO notes VALUES ($1, $2)', [1, 'kept']));
    await first.query('INSERT INTO notes VALUES ($1, $2)', [2, 'also kept']);
    await first.close();

    const second = await createPgliteDatabase({ dataDir: dir });
    const { rows } = await second.query('SELECT id, body FROM notes ORDER BY id');
    await second.close();
    expect(rows).toEqual([
      { id: 1, body: 'kept' },
      { id: 2, body: 'also kept' },
    ]);
  });

  it('keeps every committed transaction and drops the open one when the process is killed', async () => {
    const signal = await runCrashWriter(dir, 25);
    expect(signal).toBe('SIGKILL');

    const db = await createPgliteDatabase({ dataDir: dir });
    const { rows } = await db.query<{ n: string; min: number; max: number }>('SELECT count(*) AS n, min(id), max(id) FROM orders');
    await db.close();
    expect(rows).toEqual([{ n: '25', min: 1, max: 25 }]);
  });
});

/** runCrashWriter runs testdata/crash-writer.ts in a child process and resolves with the signal that ended it. */
function runCrashWriter(dataDir: string, count: number): Promise<NodeJS.Signals | null> {
  const script = path.join(__dirname, 'testdata', 'crash-writer.ts');
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script, dataDir, String(count)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal ? resolve(signal) : reject(new Error(`crash-writer exited with code ${code} instead of being killed`))));
  });
}
