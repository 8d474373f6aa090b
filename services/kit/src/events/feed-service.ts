import { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import type { Duration } from '@shop/sdk/ts/google/protobuf/duration';
import { durationToMs } from '@shop/sdk/lib/time';
import { invalidArgument } from '../errors/domain-error';
import { register, type Registration } from '../runtime/run-service';
import type { InternalCallers } from '../server/middleware/auth';
import type { Queryable } from '../store/types';
import { readFeed } from './outbox-repo';
import type { PublishedSignal } from './published-signal';

/** MESH_SERVICES are the shopmesh services; every one of them may read every feed. */
export const MESH_SERVICES = ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping'] as const;

/** EVENT_FEED_CALLERS is the internalCallers entry a service that serves its feed adds: `{ ...EVENT_FEED_CALLERS, ReserveStock: ['orders'] }`. */
export const EVENT_FEED_CALLERS: InternalCallers = { PullEvents: MESH_SERVICES };

/** DEFAULT_PULL and MAX_PULL bound PullEvents' reply, as its contract says. */
export const DEFAULT_PULL = 100;
export const MAX_PULL = 500;

/** MAX_WAIT_MS bounds PullEvents' max_wait, as its contract says. */
export const MAX_WAIT_MS = 30_000;

/** REPLY_MARGIN_MS is how long before the call's deadline a wait ends, so the empty reply still reaches the caller in time. */
const REPLY_MARGIN_MS = 100;

/** FeedServiceOptions connect the feed service to the relay of the same process. */
export interface FeedServiceOptions {
  /** published is notified by this process's relay whenever it gives events a position. */
  published: PublishedSignal;
  /**
   * recheckMs is how often a waiting call reads the feed again without a
   * notification: another replica's relay (on a shared PostgreSQL) does not
   * notify this process.
   */
  recheckMs: number;
}

/**
 * createFeedService implements shop.events.v1.EventFeedService over this
 * service's outbox: the events the relay has given a position, oldest
 * first. Events that are written but not yet relayed are not in the feed.
 *
 * A pull with max_wait that finds nothing waits in the call (a long poll)
 * until this process's relay publishes, recheckMs passes (then it reads
 * again), max_wait or the call's deadline runs out, the caller cancels, or
 * the server starts draining (the registration's `drain`). Consumers then
 * hear of an event as soon as it is published instead of on their next
 * poll, and an idle mesh makes one call per consumer and max_wait instead
 * of one every poll interval (each of which was a log line).
 */
export function createFeedService(db: Queryable, options: FeedServiceOptions): Registration {
  const closing = new AbortController();
  const registration = register(EventFeedServiceDefinition, {
    async pullEvents(req, ctx) {
      // A position and max_events of 0 or more and a max_wait that is not negative are rules of the contract.
      const after = String(req.afterPosition);
      const waitMs = maxWaitMs(req.maxWait);
      const limit = req.maxEvents === 0 ? DEFAULT_PULL : Math.min(req.maxEvents, MAX_PULL);
      const until = Math.min(Date.now() + waitMs, ctx.deadline - REPLY_MARGIN_MS);
      const ended = waitMs > 0 ? AbortSignal.any([ctx.signal, closing.signal]) : undefined;
      let seen = options.published.version;
      let { rows, head } = await readFeed(db, after, limit);
      while (rows.length === 0 && ended !== undefined && !ended.aborted && Date.now() < until) {
        await options.published.wait(seen, Math.min(options.recheckMs, until - Date.now()), ended);
        seen = options.published.version;
        ({ rows, head } = await readFeed(db, after, limit));
      }
      return {
        events: rows.map((row) => ({ position: BigInt(row.position), envelope: EventEnvelope.decode(row.envelope) })),
        headPosition: BigInt(head),
      };
    },
  });
  return { ...registration, drain: () => closing.abort() };
}

/** maxWaitMs reads a long poll's max_wait: unset or zero is 0, more than MAX_WAIT_MS is MAX_WAIT_MS, a malformed duration is an INVALID_ARGUMENT. */
export function maxWaitMs(duration: Duration | undefined): number {
  if (duration === undefined) return 0;
  if (duration.seconds < 0n || duration.nanos < 0 || duration.nanos > 999_999_999) {
    throw invalidArgument([{ field: 'max_wait', description: 'must be a duration of 0 or more' }]);
  }
  return Math.min(MAX_WAIT_MS, durationToMs(duration));
}
