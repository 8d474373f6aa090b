import { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import { invalidArgument } from '../errors/domain-error';
import { register, type Registration } from '../runtime/run-service';
import type { InternalCallers } from '../server/middleware/auth';
import type { Queryable } from '../store/types';
import { readFeed } from './outbox-repo';

/** MESH_SERVICES are the shopmesh services; every one of them may read every feed. */
export const MESH_SERVICES = ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping'] as const;

/** EVENT_FEED_CALLERS is the internalCallers entry a service that serves its feed adds: `{ ...EVENT_FEED_CALLERS, ReserveStock: ['orders'] }`. */
export const EVENT_FEED_CALLERS: InternalCallers = { PullEvents: MESH_SERVICES };

/** DEFAULT_PULL and MAX_PULL bound PullEvents' reply, as its contract says. */
export const DEFAULT_PULL = 100;
export const MAX_PULL = 500;

const INT64 = /^(0|[1-9][0-9]{0,18})$/;

/**
 * createFeedService implements shop.events.v1.EventFeedService over this
 * service's outbox: the events the relay has given a position, oldest
 * first. Events that are written but not yet relayed are not in the feed.
 */
export function createFeedService(db: Queryable): Registration {
  return register(EventFeedServiceDefinition, {
    async pullEvents(req) {
      const after = req.afterPosition || '0';
      if (!INT64.test(after) || BigInt(after) > 9_223_372_036_854_775_807n) {
        throw invalidArgument([{ field: 'after_position', description: 'must be a position of 0 or more' }]);
      }
      if (req.maxEvents < 0) throw invalidArgument([{ field: 'max_events', description: 'must be 0 (the default) or more' }]);
      const limit = req.maxEvents === 0 ? DEFAULT_PULL : Math.min(req.maxEvents, MAX_PULL);
      const { rows, head } = await readFeed(db, after, limit);
      return {
        events: rows.map((row) => ({ position: row.position, envelope: EventEnvelope.decode(row.envelope) })),
        headPosition: head,
      };
    },
  });
}
