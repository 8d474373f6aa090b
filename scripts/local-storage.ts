import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findPostgresBinaries, startEmbeddedPostgres } from '@shop/kit/embedded-postgres';

/** StorageChoice is SHOPMESH_DATABASE: auto (PostgreSQL where its binaries run, else PGlite), or one of them forced. */
export type StorageChoice = 'auto' | 'postgres' | 'pglite';

/** LocalStorage is what the mesh's services store their data in on this machine. */
export interface LocalStorage {
  kind: 'postgres' | 'pglite';
  /** why says in a sentence which storage this is and why it was chosen. */
  why: string;
  /** envFor is what a process owning `database` gets: DATABASE_URL on PostgreSQL, DATA_DIR on PGlite. */
  envFor(database: string | undefined): Record<string, string>;
  /** stop stops the server (after the services have exited). */
  stop(): Promise<void>;
  /** exited resolves if the server ends (killed, crashed); PGlite has none. */
  exited?: Promise<void>;
}

/** LocalStorageOptions configure openLocalStorage. */
export interface LocalStorageOptions {
  dataDir: string;
  databases: string[];
  choice: StorageChoice;
  report: (line: string) => void;
}

/**
 * openLocalStorage starts one embedded PostgreSQL server under
 * dataDir/postgres with a database per service, or, where no PostgreSQL
 * binary runs (musl, windows-arm64, optional packages left out) or
 * SHOPMESH_DATABASE=pglite asks for it, leaves each service its PGlite
 * directory under dataDir. Any other failure of the server (a data
 * directory of another version, a root run whose server account cannot
 * reach it) is an error, not a silent switch of databases.
 */
export async function openLocalStorage(options: LocalStorageOptions): Promise<LocalStorage> {
  const { dataDir, databases, choice, report } = options;
  const pglite = (why: string): LocalStorage => ({ kind: 'pglite', why, envFor: () => ({ DATA_DIR: dataDir }), stop: async () => undefined });
  if (choice === 'pglite') return pglite('PGlite (in-process, one per service under ' + shown(dataDir) + '), as SHOPMESH_DATABASE=pglite asks');
  const binaries = findPostgresBinaries();
  if (!('postgres' in binaries)) {
    if (choice === 'postgres') throw new Error(`SHOPMESH_DATABASE=postgres, but ${binaries.reason}`);
    return pglite(`PGlite (in-process, one per service under ${shown(dataDir)}), because ${binaries.reason}`);
  }
  const server = await startEmbeddedPostgres({
    dir: join(dataDir, 'postgres'),
    databases,
    binaries,
    serverUser: process.env.SHOPMESH_POSTGRES_USER || undefined,
    report,
  });
  reportPgliteLeftovers(dataDir, databases, report);
  return {
    kind: 'postgres',
    why: `PostgreSQL ${server.version} (${binaries.packageName}), one server in ${shown(join(dataDir, 'postgres'))}, a database per service, socket ${server.socketDir}`,
    envFor: (database): Record<string, string> => (database === undefined ? {} : { DATABASE_URL: server.url(database) }),
    stop: () => server.stop(),
    exited: server.exited,
  };
}

/**
 * reportPgliteLeftovers tells of PGlite directories an earlier shopmesh
 * made (dataDir/<service> with a PG_VERSION): they are not read now, and
 * nothing deletes them.
 */
function reportPgliteLeftovers(dataDir: string, databases: string[], report: (line: string) => void): void {
  const found = databases.filter((name) => existsSync(join(dataDir, name, 'PG_VERSION'))).map((name) => shown(join(dataDir, name)));
  if (found.length === 0) return;
  report(
    `found PGlite databases of an earlier shopmesh in ${found.join(', ')}: they are not used now (the demo data loads into PostgreSQL). ` +
      `To keep using them, start with SHOPMESH_DATABASE=pglite npm start; to drop them, delete those directories.`,
  );
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
