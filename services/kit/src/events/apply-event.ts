import type { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import type { Database } from '../store/types';
import { advanceFeedPosition, claimInbox, lockFeedPosition } from './inbox-repo';
import { compareInt64 } from './outbox-repo';
import { inConsumerSpan } from './trace-context';
import type { EventHandler, Transport } from './types';

/** Applied says what applyEvent did: ran the handler, or recognised an event already handled. */
export type Applied = 'handled' | 'duplicate';

/** FeedPlace is where a feed event sits in its source's feed. */
export interface FeedPlace {
  source: string;
  position: string;
}

/**
 * applyEvent runs handler in one transaction with the event's inbox row,
 * inside a consumer span that continues the producer's trace. An event
 * whose id is in the inbox is not handled again. For the embedded feed, the
 * source's position moves to the event in the same transaction, under a row
 * lock, so a replica that already got past it skips it too. Throws what the
 * handler throws, after the rollback.
 */
export async function applyEvent(
  db: Database,
  envelope: EventEnvelope,
  handler: EventHandler,
  transport: Transport,
  place?: FeedPlace,
): Promise<Applied> {
  return inConsumerSpan(envelope, transport, () =>
    db.transaction(async (tx) => {
      if (place !== undefined && compareInt64(await lockFeedPosition(tx, place.source), place.position) >= 0) return 'duplicate';
      const fresh = await claimInbox(tx, envelope);
      if (fresh) await handler(envelope, tx);
      if (place !== undefined) await advanceFeedPosition(tx, place.source, place.position);
      return fresh ? 'handled' : 'duplicate';
    }),
  );
}
