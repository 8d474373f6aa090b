import type { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import type { Queryable } from '../store/types';

/**
 * claimInbox records that this service handles the event, in the handler's
 * transaction; it returns false when the event was handled before (the row
 * exists). On PostgreSQL a concurrent duplicate waits here for the first
 * one's transaction and then sees its row, so the handler runs once.
 */
export async function claimInbox(tx: Queryable, envelope: EventEnvelope): Promise<boolean> {
  const { rowCount } = await tx.query(
    'INSERT INTO event_inbox (event_id, event_type, source) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING',
    [envelope.id, envelope.type, envelope.source],
  );
  return rowCount === 1;
}

/** pruneInbox forgets events handled longer than retentionMs ago; keep it longer than any redelivery can take. */
export async function pruneInbox(db: Queryable, retentionMs: number): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM event_inbox WHERE processed_at < now() - make_interval(secs => $1::double precision / 1000)', [
    retentionMs,
  ]);
  return rowCount;
}

/** ensureFeedPosition creates a source's position row at 0 if it has none, so it can be locked. */
export async function ensureFeedPosition(db: Queryable, source: string): Promise<void> {
  await db.query('INSERT INTO event_feed_positions (source, position) VALUES ($1, 0) ON CONFLICT (source) DO NOTHING', [source]);
}

/** readFeedPosition is the position of the last event of source this service has processed. */
export async function readFeedPosition(db: Queryable, source: string): Promise<string> {
  const { rows } = await db.query<{ position: string }>('SELECT position FROM event_feed_positions WHERE source = $1', [source]);
  return rows[0]?.position ?? '0';
}

/** lockFeedPosition reads a source's position and locks its row until the transaction ends, so replicas apply one source's events one at a time. */
export async function lockFeedPosition(tx: Queryable, source: string): Promise<string> {
  const { rows } = await tx.query<{ position: string }>('SELECT position FROM event_feed_positions WHERE source = $1 FOR UPDATE', [source]);
  return rows[0]?.position ?? '0';
}

/** advanceFeedPosition moves a source's position forward (never back). */
export async function advanceFeedPosition(db: Queryable, source: string, position: string): Promise<void> {
  await db.query('UPDATE event_feed_positions SET position = $2, updated_at = now() WHERE source = $1 AND position < $2', [source, position]);
}
