import type { Queryable } from '@shop/kit';
import type { FailureState } from '../domain/login-throttle';

/** FailureKey names one (account, address) pair: the SHA-256 of the email as typed, and the client address. */
export interface FailureKey {
  emailHash: string;
  address: string;
}

/**
 * lockFailures reads a pair's bookkeeping under a row lock that lasts until
 * the transaction ends (creating the row when there is none), so concurrent
 * attempts of one pair are counted one after the other.
 */
export async function lockFailures(q: Queryable, key: FailureKey, now: Date): Promise<FailureState> {
  await q.query(
    `INSERT INTO login_failures (email_hash, address, failed_count, last_failed_at) VALUES ($1, $2, 0, $3)
     ON CONFLICT (email_hash, address) DO NOTHING`,
    [key.emailHash, key.address, now],
  );
  const { rows } = await q.query<{ failed_count: number; last_failed_at: Date; next_attempt_at: Date | null }>(
    'SELECT failed_count, last_failed_at, next_attempt_at FROM login_failures WHERE email_hash = $1 AND address = $2 FOR UPDATE',
    [key.emailHash, key.address],
  );
  const row = rows[0]!;
  return {
    failedCount: row.failed_count,
    lastFailedAt: row.failed_count === 0 ? null : row.last_failed_at.getTime(),
    nextAttemptAt: row.next_attempt_at?.getTime() ?? null,
  };
}

/** saveFailures writes a pair's bookkeeping. */
export async function saveFailures(q: Queryable, key: FailureKey, state: FailureState): Promise<void> {
  await q.query('UPDATE login_failures SET failed_count = $3, last_failed_at = $4, next_attempt_at = $5 WHERE email_hash = $1 AND address = $2', [
    key.emailHash,
    key.address,
    state.failedCount,
    new Date(state.lastFailedAt ?? 0),
    state.nextAttemptAt === null ? null : new Date(state.nextAttemptAt),
  ]);
}

/** clearFailures forgets a pair after a successful login. */
export async function clearFailures(q: Queryable, key: FailureKey): Promise<void> {
  await q.query('DELETE FROM login_failures WHERE email_hash = $1 AND address = $2', [key.emailHash, key.address]);
}

/** pruneFailures forgets pairs whose last failure is older than `before`. */
export async function pruneFailures(q: Queryable, before: Date): Promise<number> {
  const { rowCount } = await q.query('DELETE FROM login_failures WHERE last_failed_at < $1', [before]);
  return rowCount;
}
