import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { findPostgresBinaries } from './binaries';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { isAlive } from './process-state';

const binaries = findPostgresBinaries();
const suite = 'postgres' in binaries ? describe : describe.skip;
if (!('postgres' in binaries)) console.warn(`embedded PostgreSQL suite skipped: ${binaries.reason}`);

async function query(url: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

suite('startEmbeddedPostgres', () => {
  let dir = '';
  const servers: EmbeddedPostgres[] = [];
  const start = async (options: { databases?: string[]; report?: (line: string) => void } = {}) => {
    const server = await startEmbeddedPostgres({ dir, ...options });
    servers.push(server);
    return server;
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'shopmesh-pg-'));
    // mkdtemp makes it private; as root, the server's own account must reach it.
    chmodSync(dir, 0o755);
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs one server with a database per name, each open to its own role only, durable, on a socket only', async () => {
    const server = await start({ databases: ['orders', 'users'] });
    const [row] = await query(server.url('orders'), "SELECT current_user AS who, current_database() AS db, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync, current_setting('listen_addresses') AS tcp, current_setting('password_encryption') AS pw");
    expect(row).toEqual({ who: 'orders', db: 'orders', fsync: 'on', sync: 'on', tcp: '', pw: 'scram-sha-256' });
    await expect(query(server.url('orders').replace('/orders?', '/users?'), 'SELECT 1')).rejects.toThrow(/permission denied for database "users"/);
    await expect(query(server.url('orders').replace(/:[0-9a-f]{64}@/, ':wrong@'), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    expect(server.socketDir).toBe(path.join(dir, 'run'));
  });

  it('keeps the data across a stop and start, and starts warm without initdb', async () => {
    const lines: string[] = [];
    const first = await start({ databases: ['orders'], report: (l) => lines.push(l) });
    await query(first.url('orders'), 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)');
    await first.stop();
    expect(isAlive(first.pid)).toBe(false);
    const second = await start({ databases: ['orders'], report: (l) => lines.push(l) });
    expect(await query(second.url('orders'), 'SELECT n FROM kept')).toEqual([{ n: 7 }]);
    expect(lines.filter((l) => l.startsWith('creating the PostgreSQL'))).toHaveLength(1);
  });

  it('stops a server that a killed launcher left running and comes up on the same data', async () => {
    const orphan = await start({ databases: ['orders'] });
    await query(orphan.url('orders'), 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)');
    // A new launcher of this directory, its predecessor's handle lost (as after SIGKILL).
    const lines: string[] = [];
    const next = await start({ databases: ['orders'], report: (l) => lines.push(l) });
    expect(lines).toContain(`stopping the PostgreSQL server an earlier run left running (pid ${orphan.pid})`);
    expect(isAlive(orphan.pid)).toBe(false);
    expect(next.pid).not.toBe(orphan.pid);
    expect(await query(next.url('orders'), 'SELECT n FROM kept')).toEqual([{ n: 1 }]);
  });

  it('comes up after its server was killed with SIGKILL, with every committed row', async () => {
    const first = await start({ databases: ['orders'] });
    await query(first.url('orders'), 'CREATE TABLE kept (n int); INSERT INTO kept SELECT generate_series(1, 100)');
    process.kill(first.pid, 'SIGKILL');
    const next = await start({ databases: ['orders'] });
    expect(await query(next.url('orders'), 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 100 }]);
  });

  it('takes over from a launcher that stops within the hand-over time (its npm start was killed)', async () => {
    const leaving = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1500)'], { stdio: 'ignore' });
    writeFileSync(path.join(dir, 'launcher.pid'), `${leaving.pid}\n`);
    const server = await start({ databases: ['orders'] });
    expect(readFileSync(path.join(dir, 'launcher.pid'), 'utf8').trim()).toBe(String(process.pid));
    expect(await query(server.url('orders'), 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('refuses a directory that another live launcher holds', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, 'launcher.pid'), `${other.pid}\n`);
      const lines: string[] = [];
      await expect(startEmbeddedPostgres({ dir, report: (l) => lines.push(l) })).rejects.toThrow(`is in use by another shopmesh run (process ${other.pid})`);
      expect(lines).toEqual([`waiting for the earlier run (process ${other.pid}) to stop`]);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('refuses data made by another major version, saying what to do', async () => {
    mkdirSync(path.join(dir, 'pgdata'), { recursive: true });
    writeFileSync(path.join(dir, 'pgdata', 'PG_VERSION'), '17\n');
    await expect(startEmbeddedPostgres({ dir })).rejects.toThrow(/holds a PostgreSQL 17 cluster and the installed binaries are PostgreSQL 18\.\d+: move the directory aside/);
    // The launcher let go of the directory.
    expect(() => readFileSync(path.join(dir, 'launcher.pid'))).toThrow();
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('as root, runs the server as another account, and says so when that account cannot reach the directory', async () => {
    const server = await start({ databases: ['orders'] });
    const [row] = await query(server.adminUrl(), 'SELECT 1 AS one');
    expect(row).toEqual({ one: 1 });
    expect(readFileSync(`/proc/${server.pid}/status`, 'utf8')).not.toMatch(/^Uid:\s+0\s/m);
    await server.stop();
    const hidden = mkdtempSync(path.join(tmpdir(), 'shopmesh-pg-hidden-'));
    try {
      await expect(startEmbeddedPostgres({ dir: path.join(hidden, 'postgres') })).rejects.toThrow(/running as root, PostgreSQL runs as \w+, who cannot reach .*shopmesh-pg-hidden-/);
    } finally {
      rmSync(hidden, { recursive: true, force: true });
    }
  });

  it('starts again from scratch where a killed initdb left half a cluster', async () => {
    mkdirSync(path.join(dir, 'pgdata', 'base'), { recursive: true });
    writeFileSync(path.join(dir, 'pgdata', 'postgresql.conf'), 'half written');
    const server = await start({ databases: ['orders'] });
    expect(await query(server.url('orders'), 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
