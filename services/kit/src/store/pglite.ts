import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { PGlite, type Results } from '@electric-sql/pglite';
import { channelFor, type Subscription } from './notifications';
import { createSerialQueue } from './serial-queue';
import { assertOpen, beginStatement, TransactionAbortedError, type TransactionState } from './transaction-control';
import { pgliteParsers } from './type-parsers';
import type { Database, Queryable, QueryResult, TransactionOptions } from './types';

/** PgliteDatabaseOptions configure createPgliteDatabase; without dataDir the database lives in memory (tests). */
export interface PgliteDatabaseOptions {
  dataDir?: string;
}

/**
 * createPgliteDatabase opens embedded PostgreSQL (PGlite, WebAssembly) in
 * dataDir, creating the directory if needed.
 *
 * Durability: with a directory, PGlite mounts it through Emscripten's NODEFS,
 * so every page and WAL write PostgreSQL makes is a synchronous fs.writeSync
 * on the real file. COMMIT returns after the WAL record has been written,
 * which is why a committed transaction survives the process being killed
 * (see pglite-durability.test.ts). PGlite starts PostgreSQL with fsync off
 * and NODEFS has no fsync, so the OS page cache is not flushed: a power loss
 * or kernel crash can lose the last commits. Use PostgreSQL (DATABASE_URL)
 * where that matters. `relaxedDurability` only makes PGlite skip waiting for
 * its filesystem sync after a query; for NODEFS that sync is a no-op, and it
 * is kept off so switching filesystems can never weaken durability.
 *
 * Only one process may open a directory at a time: two PGlite instances on
 * the same files would corrupt them.
 */
export async function createPgliteDatabase({ dataDir }: PgliteDatabaseOptions = {}): Promise<Database> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create({ dataDir, relaxedDurability: false });
  Object.assign(pg.parsers, pgliteParsers());

  // PGlite is one connection. Its own transaction() only locks out other
  // transactions, not plain queries, so every statement goes through this
  // queue and a transaction holds it from BEGIN to COMMIT.
  const queue = createSerialQueue();
  const insideTransaction = new AsyncLocalStorage<TransactionState>();

  const run = async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
    if (params === undefined || params.length === 0) {
      const results = await pg.exec(sql);
      return toQueryResult<R>(results[results.length - 1] as Results<R> | undefined);
    }
    return toQueryResult(await pg.query<R>(sql, params));
  };

  const assertNotInTransaction = (): void => {
    if (insideTransaction.getStore()?.open) {
      throw new Error('PGlite has one connection and it is held by this transaction: use the tx passed to transaction() instead of the Database');
    }
  };

  // async, so misuse surfaces as a rejected promise like every other failure.
  const query = async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
    assertNotInTransaction();
    return queue.run(() => run<R>(sql, params));
  };

  return {
    kind: 'pglite',
    query,

    async transaction<T>(fn: (tx: Queryable) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
      assertNotInTransaction();
      const begin = beginStatement(opts.isolation);
      return queue.run(async () => {
        const state: TransactionState = { open: true };
        const tx: Queryable = {
          query: async <R>(sql: string, params?: unknown[]) => {
            assertOpen(state);
            return run<R>(sql, params);
          },
        };
        await pg.exec(begin);
        try {
          const result = await insideTransaction.run(state, () => fn(tx));
          const [commit] = await pg.exec('COMMIT');
          if (commit?.command === 'ROLLBACK') throw new TransactionAbortedError();
          return result;
        } catch (err) {
          if (pg.isInTransaction()) await pg.exec('ROLLBACK');
          throw err;
        } finally {
          state.open = false;
        }
      });
    },

    // Through the queue: a LISTEN run inside another caller's transaction
    // would be undone with it. PGlite is one session, so it hears its own
    // NOTIFYs, which is all there is.
    async listen(topic, onNotify): Promise<Subscription> {
      assertNotInTransaction();
      const unlisten = await queue.run(async () => {
        const schema = (await pg.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!.schema;
        return pg.listen(channelFor(schema, topic), () => onNotify());
      });
      return { close: () => queue.run(() => unlisten()) };
    },

    async ping(): Promise<void> {
      await query('SELECT 1');
    },

    close(): Promise<void> {
      return queue.run(() => pg.close());
    },
  };
}

/** toQueryResult maps PGlite's { rows, affectedRows } to the shared shape. */
function toQueryResult<R>(result: Results<R> | undefined): QueryResult<R> {
  if (result === undefined) return { rows: [], rowCount: 0 };
  const returnsRows = result.fields.length > 0;
  return { rows: result.rows, rowCount: returnsRows ? result.rows.length : (result.affectedRows ?? 0) };
}
