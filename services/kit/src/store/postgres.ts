import { Pool, type PoolClient, type QueryResult as PgQueryResult } from 'pg';
import { createPostgresListener } from './notifications';
import { assertIdentifier } from './sql-identifier';
import { assertOpen, beginStatement, TransactionAbortedError, type TransactionState } from './transaction-control';
import { postgresTypes } from './type-parsers';
import type { Database, Queryable, QueryResult, TransactionOptions } from './types';

/** PostgresDatabaseOptions configure createPostgresDatabase. */
export interface PostgresDatabaseOptions {
  /** url is a postgres:// connection string (DATABASE_URL). */
  url: string;
  /** maxConnections caps the pool; defaults to 10. */
  maxConnections?: number;
  /** statementTimeoutMs makes the server cancel statements running longer; off by default. */
  statementTimeoutMs?: number;
  /** connectTimeoutMs bounds waiting for a connection, so a dead server fails readiness instead of hanging; defaults to 10 s. */
  connectTimeoutMs?: number;
  /** schema becomes every connection's search_path, so unqualified table names resolve in it. */
  schema?: string;
  /** applicationName shows up in pg_stat_activity. */
  applicationName?: string;
  /** onError receives errors of idle pooled connections (server restart, network cut); defaults to a process warning. */
  onError?: (err: Error) => void;
}

/**
 * createPostgresDatabase returns a Database over a pg Pool. Connections are
 * opened lazily; call ping() to check the server is reachable.
 */
export function createPostgresDatabase(options: PostgresDatabaseOptions): Database {
  if (options.schema !== undefined) assertIdentifier(options.schema, 'schema');
  const pool = new Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: options.statementTimeoutMs,
    application_name: options.applicationName,
    // Set at connection start-up, so no statement can run before it applies
    // (a SET in pool.on('connect') is not awaited by pg).
    options: options.schema === undefined ? undefined : `-c search_path=${options.schema}`,
    types: postgresTypes,
  });
  // An idle client losing its connection emits 'error' on the pool; with no
  // listener Node would treat it as unhandled and crash the process. The
  // pool drops the broken client and the next query opens a new one.
  // A message, not the Error: emitWarning refuses an Error of another realm (jest's sandbox).
  const onError = options.onError ?? ((err: Error) => process.emitWarning(String(err.message ?? err), 'PostgresPoolWarning'));
  pool.on('error', (err) => onError(err));

  const query = async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => toQueryResult<R>(await pool.query(sql, params));
  const listener = createPostgresListener({ url: options.url, schema: options.schema ?? 'public', applicationName: options.applicationName, onError });

  return {
    kind: 'postgres',
    query,

    async transaction<T>(fn: (tx: Queryable) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
      const begin = beginStatement(opts.isolation);
      const client = await pool.connect();
      const state: TransactionState = { open: true };
      // Set when ROLLBACK itself fails: the connection is in an unknown state
      // and must be destroyed rather than returned to the pool.
      let broken: Error | undefined;
      try {
        await client.query(begin);
        const result = await fn(createTxHandle(client, state));
        const commit = await client.query('COMMIT');
        if (commit.command === 'ROLLBACK') throw new TransactionAbortedError();
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        }
        throw err;
      } finally {
        state.open = false;
        client.release(broken);
      }
    },

    listen: (topic, onNotify) => listener.listen(topic, onNotify),

    async ping(): Promise<void> {
      await pool.query('SELECT 1');
    },

    async close(): Promise<void> {
      await listener.close();
      // pool.end waits for checked-out clients, so a running transaction finishes first.
      await pool.end();
    },
  };
}

/** createTxHandle is the Queryable a transaction callback receives: its statements run on the transaction's client. */
function createTxHandle(client: PoolClient, state: TransactionState): Queryable {
  return {
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      assertOpen(state);
      return toQueryResult<R>(await client.query(sql, params));
    },
  };
}

/**
 * toQueryResult maps pg's result to the shared shape. Several statements in
 * one text give an array of results; the last one counts, as on PGlite.
 */
function toQueryResult<R>(result: PgQueryResult | PgQueryResult[]): QueryResult<R> {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  if (last === undefined) return { rows: [], rowCount: 0 };
  const returnsRows = last.fields.length > 0;
  return { rows: last.rows as R[], rowCount: returnsRows ? last.rows.length : (last.rowCount ?? 0) };
}
