import type { Subscription } from './notifications';

/**
 * QueryResult is what every statement returns on both backends: the rows
 * (empty for statements without output) and rowCount, the number of rows
 * returned by a row-returning statement or changed by INSERT/UPDATE/DELETE
 * (0 for DDL).
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/**
 * Queryable runs SQL with `$1` placeholders on either backend. With params it
 * runs exactly one statement (extended protocol); without params (or with an
 * empty array) the text may hold several statements separated by `;` (simple
 * protocol) and the result is the last statement's.
 *
 * Column values come back as the same JS types on both backends: see
 * `type-parsers.ts`. Pass JSON for json/jsonb parameters as a string
 * (JSON.stringify): pg would turn a JS array into a Postgres array literal.
 */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

/** IsolationLevel is a transaction isolation level both backends accept. */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/** TransactionOptions tune one transaction; the default isolation is the server's (read committed). */
export interface TransactionOptions {
  isolation?: IsolationLevel;
}

/**
 * Database is a service's storage: embedded PGlite or a PostgreSQL pool, with
 * the same SQL and the same result types on both.
 */
export interface Database extends Queryable {
  /** kind says which backend is behind this handle, for logs and health output. */
  readonly kind: 'pglite' | 'postgres';
  /**
   * transaction runs fn inside BEGIN/COMMIT on one connection and rolls back
   * when fn throws. Use only the `tx` it receives: on PGlite calling the
   * Database itself from inside fn throws (it would wait for fn forever), and
   * `tx` stops working once the transaction has ended.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /**
   * listen calls onNotify after a transaction in this database's schema
   * that ran NOTIFY_SQL for the topic commits (in this process or any
   * other), so a loop can sleep until there is work instead of polling.
   * A call means "look again": after a lost connection every listener is
   * called once, and several notifications may arrive as one.
   */
  listen(topic: string, onNotify: () => void): Promise<Subscription>;
  /** ping checks that the database answers, for readiness probes. */
  ping(): Promise<void>;
  /** close waits for a running transaction, then releases the connections or files. */
  close(): Promise<void>;
}

/** Migration is one versioned SQL script of a service; versions run 1, 2, 3… without gaps. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
