import { NOTIFY_SQL, type Queryable } from '@shop/kit';

/** RevokedSessionRow is one listed revocation. */
export interface RevokedSessionRow {
  position: string;
  sessionId: string;
  expireTime: Date;
}

/**
 * recordRevokedSessions lists ended sessions, in the transaction that
 * revoked their families. Readers continue after the last position they saw,
 * so positions must become visible in order: a transaction-scoped advisory
 * lock, taken before the position is drawn and held to the commit, keeps a
 * later position from committing before an earlier one (revocations are
 * rare, so serialising them costs nothing that matters).
 */
export async function recordRevokedSessions(q: Queryable, sessionIds: readonly string[], revokeTime: Date, expireTime: Date): Promise<void> {
  if (sessionIds.length === 0) return;
  await q.query(`SELECT pg_advisory_xact_lock(hashtext('shopmesh.revoked_sessions'))`);
  await q.query(
    `INSERT INTO revoked_sessions (session_id, revoke_time, expire_time)
     SELECT unnest($1::uuid[]), $2, $3`,
    [sessionIds, revokeTime, expireTime],
  );
  // Wakes the ListRevokedSessions calls waiting in every replica once this commits.
  await q.query(NOTIFY_SQL, [REVOKED_TOPIC]);
}

/** REVOKED_TOPIC is the notification topic of new revocations (see NOTIFY_SQL and Database.listen). */
export const REVOKED_TOPIC = 'revoked';

/**
 * readRevokedSessions returns up to limit revocations after position
 * `after` that are still in force at `now`, oldest first, and the highest
 * position written so far (the head), so a caller that starts from 0 can
 * continue from the head even when every row has expired.
 */
export async function readRevokedSessions(
  q: Queryable,
  after: string,
  limit: number,
  now: Date,
): Promise<{ rows: RevokedSessionRow[]; head: string }> {
  const { rows } = await q.query<{ position: string; session_id: string; expire_time: Date }>(
    `SELECT position::text AS position, session_id::text AS session_id, expire_time
     FROM revoked_sessions WHERE position > $1 AND expire_time > $2 ORDER BY position LIMIT $3`,
    [after, now, limit],
  );
  const { rows: head } = await q.query<{ head: string | null }>('SELECT max(position)::text AS head FROM revoked_sessions');
  return {
    rows: rows.map((r) => ({ position: r.position, sessionId: r.session_id, expireTime: r.expire_time })),
    head: head[0]?.head ?? '0',
  };
}

/** pruneRevokedSessions deletes revocations whose sessions' access tokens have all expired. */
export async function pruneRevokedSessions(q: Queryable, now: Date): Promise<number> {
  const { rowCount } = await q.query('DELETE FROM revoked_sessions WHERE expire_time <= $1', [now]);
  return rowCount;
}
