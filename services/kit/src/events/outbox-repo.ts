import type { Database, Queryable } from '../store/types';

/** OutboxRow is an unpublished event as a relay reads it. */
export interface OutboxRow {
  seq: string;
  event_id: string;
  event_type: string;
  envelope: Buffer;
}

/** PublishedRow is an event that just got its feed position. */
export interface PublishedRow {
  event_type: string;
  position: string;
}

/** FeedRow is a published event as PullEvents reads it. */
export interface FeedRow {
  position: string;
  envelope: Buffer;
}

// Both relays and every replica of a service take this lock (per schema) to
// hand out feed positions, so position ranges are assigned, and committed,
// one after the other.
const FEED_LOCK = `hashtext('shopmesh.events.feed'), hashtext(current_schema())`;

/**
 * assignNextPositions gives the oldest unpublished outbox rows (at most
 * limit) the next feed positions, in outbox order, and marks them
 * published: what the embedded relay does. It returns undefined without
 * waiting when another relay holds the feed lock.
 *
 * Why positions are assigned here rather than when the event is written: a
 * transaction that writes an event may commit after a later one, so ids in
 * write order become visible out of order, and a consumer that had read
 * past a gap would skip the late event forever. Positions are only given to
 * committed rows, under a transaction-scoped lock held until the
 * assignment commits, so a reader that sees position n has already been
 * able to see every position below it.
 */
export async function assignNextPositions(db: Database, limit: number): Promise<PublishedRow[] | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${FEED_LOCK}) AS locked`);
    if (!rows[0]?.locked) return undefined;
    return giveOutPositions(
      tx,
      'SELECT seq FROM event_outbox WHERE position IS NULL ORDER BY seq LIMIT $1',
      [limit],
    );
  });
}

/**
 * markPublished gives feed positions to the rows a RabbitMQ relay has had
 * confirmed by the broker (their seqs), in outbox order, waiting for the
 * feed lock if another relay holds it. Rows that meanwhile got a position
 * (published by another relay after a lease ran out) keep theirs.
 */
export async function markPublished(db: Database, seqs: readonly string[]): Promise<PublishedRow[]> {
  if (seqs.length === 0) return [];
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${FEED_LOCK})`);
    return giveOutPositions(
      tx,
      'SELECT seq FROM event_outbox WHERE seq = ANY($1::bigint[]) AND position IS NULL ORDER BY seq',
      [[...seqs]],
    );
  });
}

/** giveOutPositions numbers the rows `select` picks after the feed head, in seq order, and moves the head; call it holding the feed lock. */
async function giveOutPositions(tx: Queryable, select: string, params: unknown[]): Promise<PublishedRow[]> {
  const { rows } = await tx.query<PublishedRow>(
    `WITH picked AS (${select}),
          numbered AS (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM picked),
          head AS (SELECT last_position FROM event_feed_head)
     UPDATE event_outbox o
        SET position = head.last_position + numbered.n, published_at = now(), lease_until = NULL
       FROM numbered, head
      WHERE o.seq = numbered.seq
     RETURNING o.event_type, o.position`,
    params,
  );
  if (rows.length > 0) await tx.query('UPDATE event_feed_head SET last_position = last_position + $1', [rows.length]);
  return rows.sort((a, b) => compareInt64(a.position, b.position));
}

/**
 * msUntilLeaseEnds is how long until the earliest lease on an unpublished
 * row runs out (0 if one already has), or undefined when no unpublished row
 * is leased: an idle RabbitMQ relay sleeps until then, since a lease running
 * out notifies nobody.
 */
export async function msUntilLeaseEnds(db: Database): Promise<number | undefined> {
  const { rows } = await db.query<{ ms: number | null }>(
    // No GREATEST here: it skips NULLs, and would turn "none leased" into 0.
    `SELECT (EXTRACT(EPOCH FROM (min(lease_until) - now())) * 1000)::float8 AS ms
       FROM event_outbox WHERE position IS NULL AND lease_until IS NOT NULL`,
  );
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? undefined : Math.max(0, Math.ceil(ms));
}

/**
 * leaseUnpublished claims up to limit unpublished rows nobody else holds,
 * oldest first, for leaseMs: a RabbitMQ relay publishes them, then calls
 * markPublished, or releaseLease when publishing failed. A relay that dies
 * in between loses its lease when it runs out, and another relay publishes
 * the rows again (consumers drop the duplicate by event id).
 */
export async function leaseUnpublished(db: Database, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `UPDATE event_outbox o
        SET lease_until = now() + make_interval(secs => $2::double precision / 1000), attempts = o.attempts + 1
       FROM (SELECT seq FROM event_outbox
              WHERE position IS NULL AND (lease_until IS NULL OR lease_until < now())
              ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED) picked
      WHERE o.seq = picked.seq
     RETURNING o.seq, o.event_id, o.event_type, o.envelope`,
    [limit, leaseMs],
  );
  return rows.sort((a, b) => compareInt64(a.seq, b.seq));
}

/** releaseLease frees rows a relay could not publish, so the next round tries them again at once. */
export async function releaseLease(db: Database, seqs: readonly string[]): Promise<void> {
  if (seqs.length === 0) return;
  await db.query('UPDATE event_outbox SET lease_until = NULL WHERE seq = ANY($1::bigint[]) AND position IS NULL', [[...seqs]]);
}

/** readFeed returns the published events after a position, oldest first, and the feed head. */
export async function readFeed(db: Queryable, after: string, limit: number): Promise<{ rows: FeedRow[]; head: string }> {
  const head = await db.query<{ last_position: string }>('SELECT last_position FROM event_feed_head');
  const { rows } = await db.query<FeedRow>('SELECT position, envelope FROM event_outbox WHERE position > $1 ORDER BY position LIMIT $2', [after, limit]);
  const last = rows[rows.length - 1]?.position ?? '0';
  const recorded = head.rows[0]?.last_position ?? '0';
  return { rows, head: compareInt64(last, recorded) > 0 ? last : recorded };
}

/** OutboxLag is how far the relay is behind. */
export interface OutboxLag {
  unpublished: number;
  oldestAgeSeconds: number;
}

/** readOutboxLag counts unpublished rows and the age of the oldest one. */
export async function readOutboxLag(db: Queryable): Promise<OutboxLag> {
  const { rows } = await db.query<{ n: string; age: number | null }>(
    'SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::float8 AS age FROM event_outbox WHERE position IS NULL',
  );
  return { unpublished: Number(rows[0]?.n ?? 0), oldestAgeSeconds: Math.max(0, rows[0]?.age ?? 0) };
}

/** prunePublished deletes events published longer than retentionMs ago; the feed head is kept, so positions are never reused. */
export async function prunePublished(db: Queryable, retentionMs: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM event_outbox WHERE position IS NOT NULL AND published_at < now() - make_interval(secs => $1::double precision / 1000)`,
    [retentionMs],
  );
  return rowCount;
}

/** compareInt64 orders two int64 values given as decimal strings. */
export function compareInt64(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
