/**
 * database-setup is jest's globalSetup: when TEST_DATABASE_URL is not
 * given, it starts the embedded PostgreSQL server that `npm start` uses
 * (data/test-postgres, its own directory) and hands its `test` database to
 * every suite, so a machine without PostgreSQL still runs the
 * real-PostgreSQL suites. CI and developers with their own server set
 * TEST_DATABASE_URL and nothing is started. Where no PostgreSQL binary runs
 * here (musl, windows-arm64), it says so and the PostgreSQL suites report
 * themselves skipped.
 *
 * jest loads this file outside the test runtime: imports are relative (no
 * @shop/* mapping) and process.env set here reaches the test workers.
 */
import path from 'node:path';
import { findPostgresBinaries } from '../../services/kit/src/embedded-postgres/binaries';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../services/kit/src/embedded-postgres/embedded-postgres';

/** TEST_SERVER is where globalTeardown finds the server this setup started. */
export const TEST_SERVER = Symbol.for('shopmesh.test-postgres');

export default async function databaseSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  const binaries = findPostgresBinaries(__dirname);
  if (!('postgres' in binaries)) {
    process.stdout.write(`\nNo TEST_DATABASE_URL, and no embedded PostgreSQL: ${binaries.reason}. The PostgreSQL suites skip.\n`);
    return;
  }
  const dir = path.join(__dirname, '..', '..', 'data', 'test-postgres');
  const server = await startEmbeddedPostgres({ dir, databases: ['test'], binaries });
  (globalThis as Record<symbol, EmbeddedPostgres>)[TEST_SERVER] = server;
  process.env.TEST_DATABASE_URL = server.adminUrl('test');
  process.stdout.write(`\nNo TEST_DATABASE_URL: the PostgreSQL suites use the embedded PostgreSQL ${server.version} in ${path.relative(process.cwd(), dir)}.\n`);
}
