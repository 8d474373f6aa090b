import { createAmqpConsumer } from './amqp-consumer';
import { createAmqpRelay } from './amqp-relay';
import { createEventMetrics } from './event-metrics';
import { createFeedConsumer } from './feed-consumer';
import { createFeedRelay } from './feed-relay';
import { createFeedService } from './feed-service';
import { resolveOptions } from './options';
import { readOutboxLag } from './outbox-repo';
import { createPublishedSignal } from './published-signal';
import type { BackgroundWork, ConsumeOptions, Events, EventsOptions } from './types';

/**
 * createEvents wires a service's events: the relay that publishes its
 * outbox, the EventFeedService that serves its published events, and
 * consume() for the events it handles. With amqpUrl they travel through
 * RabbitMQ; without, through the embedded feed (consumers pull each
 * producer's PullEvents). In a service's build:
 *
 * ```ts
 * const events = createEvents({ service: 'shipping', db, log, amqpUrl: config.AMQP_URL, clients, metrics });
 * const consumer = events.consume({ sources: { orders: config.ORDERS_ADDRESS }, handlers: { [ORDER_CONFIRMED]: onConfirmed } });
 * events.relay.start();
 * consumer.start();
 * return { services: [register(...), events.feed], stop: [consumer.stop, events.relay.stop] };
 * ```
 * and `internalCallers: { ...EVENT_FEED_CALLERS }` in the spec, so other
 * services may pull the feed.
 */
export function createEvents(options: EventsOptions): Events {
  const resolved = resolveOptions(options);
  const { db, log: parentLog, amqpUrl } = resolved;
  const log = parentLog.child({ component: 'events' });
  const metrics = createEventMetrics(options.metrics.registry, () => readOutboxLag(db), (err) => log.warn({ err }, 'cannot read the outbox lag'));
  const deps = { db, log, metrics, options: resolved };
  // The relay tells the feed service of this process when it publishes, so waiting pulls answer at once.
  const published = createPublishedSignal();
  let consumer: BackgroundWork | undefined;
  return {
    transport: amqpUrl === undefined ? 'feed' : 'amqp',
    relay: amqpUrl === undefined ? createFeedRelay(deps, published) : createAmqpRelay({ ...deps, url: amqpUrl }, published),
    feed: createFeedService(db, { published, recheckMs: resolved.idleRecheckMs }),
    consume(consumeOptions: ConsumeOptions): BackgroundWork {
      // Two consumers of one service would share its queue and each acknowledge the other's events unhandled.
      if (consumer !== undefined) throw new Error('consume: a service has one consumer; pass every handler to one consume() call');
      consumer = amqpUrl === undefined ? createFeedConsumer(deps, resolved.clients, consumeOptions) : createAmqpConsumer({ ...deps, url: amqpUrl }, consumeOptions);
      return consumer;
    },
  };
}
