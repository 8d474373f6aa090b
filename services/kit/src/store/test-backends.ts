import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openDatabase } from './open-database';
import { createPgliteDatabase } from './pglite';
import type { Database } from './types';

/**
 * TEST_DATABASE_URL points the storage suite at a real PostgreSQL (CI sets
 * postgres://postgres@127.0.0.1:5432/test). Without it the PostgreSQL cases
 * are reported as skipped, never silently passed.
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;

/** TestStore is one fresh, empty database for a test, and how to get rid of it. */
export interface TestStore {
  db: Database;
  /** connectAgain opens a second handle onto the same storage, like a second replica; PGlite cannot share its storage, so it is absent there. */
  connectAgain?: () => Promise<Database>;
  /** dispose deletes what the test created: its schema, and on PostgreSQL the handles it opened. */
  dispose(): Promise<void>;
}

/** TestBackend opens fresh test stores of one kind. */
export interface TestBackend {
  name: string;
  kind: Database['kind'];
  open(): Promise<TestStore>;
  /** release frees what the backend keeps between tests; describeEachBackend calls it after the suite. */
  release(): Promise<void>;
}

const uniqueSchema = (): string => `test_${randomBytes(6).toString('hex')}`;

/**
 * pglite shares one PGlite instance across a suite and gives each test a
 * fresh schema on it: starting PGlite takes one to two seconds, and PGlite's
 * single connection keeps the search_path set here for the test's queries.
 */
function pglite(name: string, onDisk: boolean): TestBackend {
  let shared: Promise<{ db: Database; dir?: string }> | undefined;
  const start = async () => {
    if (!onDisk) return { db: await createPgliteDatabase({}) };
    const dir = await mkdtemp(path.join(tmpdir(), 'shopmesh-store-'));
    return { db: await createPgliteDatabase({ dataDir: dir }), dir };
  };
  return {
    name,
    kind: 'pglite',
    async open() {
      shared ??= start();
      const { db } = await shared;
      const schema = uniqueSchema();
      await db.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
      return {
        db,
        async dispose() {
          await db.query(`DROP SCHEMA ${schema} CASCADE; SET search_path TO public`);
        },
      };
    },
    async release() {
      if (shared === undefined) return;
      const { db, dir } = await shared;
      shared = undefined;
      await db.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

function postgres(url: string): TestBackend {
  return {
    name: 'PostgreSQL',
    kind: 'postgres',
    async open() {
      const schema = uniqueSchema();
      const connect = () => openDatabase({ service: 'store-test', databaseUrl: url, schema });
      const handles = [await connect()];
      return {
        db: handles[0]!,
        async connectAgain() {
          const db = await connect();
          handles.push(db);
          return db;
        },
        async dispose() {
          await Promise.all(handles.map((db) => db.close()));
          await dropSchema(url, schema);
        },
      };
    },
    async release() {},
  };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** SKIP_MESSAGE is printed, and put in the skipped suite's title, when TEST_DATABASE_URL is unset. */
export const SKIP_MESSAGE = 'TEST_DATABASE_URL not set: skipping PostgreSQL storage suite';

/**
 * describeEachBackend declares body's tests once per backend. Without
 * TEST_DATABASE_URL the PostgreSQL copy is declared with describe.skip, so
 * its tests show up as skipped in the report.
 */
export function describeEachBackend(body: (backend: TestBackend) => void): void {
  const backends = [pglite('PGlite in memory', false), pglite('PGlite on disk', true)];
  if (testDatabaseUrl) backends.push(postgres(testDatabaseUrl));
  describe.each(backends)('on $name', (backend) => {
    body(backend);
    // Declared after body's hooks so it runs after them: their cleanup still needs the database.
    afterAll(() => backend.release());
  });
  if (!testDatabaseUrl) {
    console.warn(SKIP_MESSAGE);
    describe.skip(`on PostgreSQL (${SKIP_MESSAGE})`, () => body(postgres('postgres://unset')));
  }
}

/** describePostgres declares PostgreSQL-only tests, skipped with the same message when there is no server. */
export function describePostgres(title: string, body: (backend: TestBackend) => void): void {
  const url = testDatabaseUrl;
  if (url) {
    describe(title, () => body(postgres(url)));
  } else {
    console.warn(SKIP_MESSAGE);
    describe.skip(`${title} (${SKIP_MESSAGE})`, () => body(postgres('postgres://unset')));
  }
}

/** sleep lets other work interleave, to give a race the chance to happen. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
