import type { IsolationLevel } from './types';

const ISOLATION_SQL: Record<IsolationLevel, string> = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

/**
 * beginStatement returns the BEGIN for an isolation level. The level is
 * looked up rather than interpolated, so a caller passing an arbitrary string
 * from plain JavaScript cannot inject SQL.
 */
export function beginStatement(isolation?: IsolationLevel): string {
  if (isolation === undefined) return 'BEGIN';
  const level = ISOLATION_SQL[isolation];
  if (level === undefined) throw new TypeError(`unknown isolation level ${JSON.stringify(isolation)}`);
  return `BEGIN ISOLATION LEVEL ${level}`;
}

/**
 * TransactionAbortedError is thrown when COMMIT turned into a ROLLBACK
 * because a statement inside the transaction failed and fn caught the error
 * instead of letting it propagate. PostgreSQL reports that silently (the
 * command tag reads ROLLBACK), which would otherwise look like a successful
 * write that never happened.
 */
export class TransactionAbortedError extends Error {
  constructor() {
    super('transaction was rolled back at COMMIT because a statement inside it failed; let statement errors propagate out of the transaction callback');
    this.name = 'TransactionAbortedError';
  }
}

/** TransactionState tracks whether a transaction's `tx` handle may still be used. */
export interface TransactionState {
  open: boolean;
}

/** assertOpen rejects statements sent through a `tx` after its transaction ended (they would run outside it). */
export function assertOpen(state: TransactionState): void {
  if (!state.open) throw new Error('transaction handle used after the transaction ended');
}
