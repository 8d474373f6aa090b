import { Counter, Gauge, type Registry } from 'prom-client';
import type { OutboxLag } from './outbox-repo';

/** EventMetrics are the events module's instruments on a service's registry. */
export interface EventMetrics {
  published(type: string, count?: number): void;
  /** consumed counts an event whose handler committed its effect. */
  consumed(type: string): void;
  /** duplicate counts a delivery of an event already handled, acknowledged without running the handler. */
  duplicate(type: string): void;
  /** failed counts a handler attempt that threw (the event is retried). */
  failed(type: string): void;
  /** deadLettered counts an event moved to the dead-letter queue after its last attempt. */
  deadLettered(type: string): void;
  /** consumerLag records how many events a consumer is behind on a source (or, on RabbitMQ, waiting in its queue). */
  consumerLag(source: string, events: number): void;
}

/**
 * createEventMetrics registers, on registry:
 * - shop_events_outbox_unpublished and shop_events_outbox_oldest_unpublished_age_seconds,
 *   gauges read from the outbox when the registry is scraped (relay lag);
 * - shop_events_consumer_lag{source}, set by consumers as they pull;
 * - shop_events_published_total, _consumed_total, _duplicates_total, _failed_total
 *   and _dead_lettered_total, counters by event type.
 * A second call on the same registry replaces the first one's metrics, so a
 * service rebuilt in one process (tests) does not fail on duplicate names.
 */
export function createEventMetrics(registry: Registry, readOutboxLag: () => Promise<OutboxLag>, onLagError: (err: unknown) => void): EventMetrics {
  const registers = [registry];
  const fresh = <T>(name: string, make: () => T): T => {
    registry.removeSingleMetric(name);
    return make();
  };
  // The registry collects metrics concurrently, so both outbox gauges share one query per scrape.
  let lag: Promise<OutboxLag> | undefined;
  const currentLag = (): Promise<OutboxLag> => {
    lag ??= readOutboxLag().finally(() => {
      lag = undefined;
    });
    return lag;
  };
  fresh(
    'shop_events_outbox_unpublished',
    () =>
      new Gauge({
        name: 'shop_events_outbox_unpublished',
        help: 'Events in the outbox the relay has not published yet.',
        registers,
        async collect() {
          await currentLag().then((l) => this.set(l.unpublished), onLagError);
        },
      }),
  );
  fresh(
    'shop_events_outbox_oldest_unpublished_age_seconds',
    () =>
      new Gauge({
        name: 'shop_events_outbox_oldest_unpublished_age_seconds',
        help: 'Age of the oldest event the relay has not published yet; 0 when it is caught up.',
        registers,
        async collect() {
          await currentLag().then((l) => this.set(l.oldestAgeSeconds), onLagError);
        },
      }),
  );
  const consumerLag = fresh(
    'shop_events_consumer_lag',
    () =>
      new Gauge({
        name: 'shop_events_consumer_lag',
        help: 'Events a consumer has yet to process: per producing service on the embedded feed, messages ready in its queue on RabbitMQ (source="rabbitmq").',
        labelNames: ['source'],
        registers,
      }),
  );
  const counter = (name: string, help: string) => fresh(name, () => new Counter({ name, help, labelNames: ['type'], registers }));
  const published = counter('shop_events_published_total', 'Events the relay published (given a feed position, or confirmed by RabbitMQ).');
  const consumed = counter('shop_events_consumed_total', 'Events whose handler ran and committed.');
  const duplicates = counter('shop_events_duplicates_total', 'Deliveries of events already handled, acknowledged without running the handler.');
  const failed = counter('shop_events_failed_total', 'Handler attempts that failed; the event is retried.');
  const deadLettered = counter('shop_events_dead_lettered_total', 'Events moved to the dead-letter queue after their last attempt.');
  return {
    published: (type, count = 1) => published.inc({ type }, count),
    consumed: (type) => consumed.inc({ type }),
    duplicate: (type) => duplicates.inc({ type }),
    failed: (type) => failed.inc({ type }),
    deadLettered: (type) => deadLettered.inc({ type }),
    consumerLag: (source, events) => consumerLag.set({ source }, events),
  };
}
