import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import type { createMeshClients } from '../client/create-client';
import type { Registration } from '../runtime/run-service';
import type { Database, Queryable } from '../store/types';

/** EventPayload is one domain event, the payload of an EventEnvelope: `{ $case: 'orderConfirmed', value: {...} }`. */
export type EventPayload = NonNullable<EventEnvelope['payload']>;

/** NewEvent is an event to append to the outbox: the aggregate it is about and the event itself. */
export interface NewEvent {
  /** subject is the id of the aggregate the event is about (the order id for order events). */
  subject: string;
  payload: EventPayload;
}

/**
 * EventHandler applies one event. Its writes go through tx, the transaction
 * that also records the event in the inbox, so the effect and "this event
 * was handled" commit together. Throwing rolls both back and the event is
 * retried.
 */
export type EventHandler = (event: EventEnvelope, tx: Queryable) => Promise<void>;

/** EventHandlers maps an event type ("shop.events.v1.OrderConfirmed") to its handler. */
export type EventHandlers = Partial<Record<string, EventHandler>>;

/** ConsumeOptions say which events a service consumes and where they come from. */
export interface ConsumeOptions {
  /**
   * sources maps each producing service (the envelope's source, "orders") to
   * its gRPC address, where the embedded transport pulls its EventFeedService.
   * With RabbitMQ the addresses are not used.
   */
  sources: Record<string, string>;
  handlers: EventHandlers;
}

/** BackgroundWork is a relay or consumer: start it once, stop it on shutdown (stop waits for work in progress). */
export interface BackgroundWork {
  start(): void;
  stop(): Promise<void>;
}

/** MeshClients is the part of the runtime's clients the events module uses. */
export type MeshClients = Pick<ReturnType<typeof createMeshClients>, 'createClient'>;

/** Transport is how events travel: the embedded feed (no broker) or RabbitMQ. */
export type Transport = 'feed' | 'amqp';

/** Events is what createEvents returns: a service's relay, its feed and its consumers. */
export interface Events {
  transport: Transport;
  /** relay publishes the outbox: feed positions (embedded), or RabbitMQ then feed positions. */
  relay: BackgroundWork;
  /** feed is the EventFeedService (PullEvents) over this service's published events, for ServiceParts.services. */
  feed: Registration;
  /** consume creates the service's consumer; call it at most once per service. */
  consume(options: ConsumeOptions): BackgroundWork;
}

/** EventsOptions configure createEvents; everything below `metrics` has a default. */
export interface EventsOptions {
  /** service is this service's name: the source of its events and the name of its queue. */
  service: string;
  db: Database;
  log: Logger;
  /** amqpUrl selects RabbitMQ (AMQP_URL); unset, events travel through the embedded feed. */
  amqpUrl?: string;
  clients: MeshClients;
  metrics: { registry: Registry };
  /** exchange is the durable topic exchange events are published to (default "shop.events"). */
  exchange?: string;
  /** queue is this service's durable queue (default "shop.<service>"); its dead letters go to "<queue>.dlq". */
  queue?: string;
  /**
   * pollIntervalMs is the first pause after a failure, the pause of a relay
   * while another replica holds the feed, and of a feed consumer that does
   * not long-poll (default 200).
   */
  pollIntervalMs?: number;
  /**
   * idleRecheckMs is how long an idle relay, or a pull waiting in the feed,
   * sleeps before it looks again unasked (default 30000). Work wakes them
   * at once: the outbox and the feed head NOTIFY on commit (see the kit's
   * tables), in every replica; the recheck only bounds what a lost
   * notification could delay.
   */
  idleRecheckMs?: number;
  /**
   * feedWaitMs is how long a feed consumer's pull may wait in the producer
   * for a new event when there is none (PullEvents' max_wait, default
   * 25000, at most 30000); 0 makes it poll every pollIntervalMs instead.
   */
  feedWaitMs?: number;
  /** batchSize is how many events a relay round or a feed pull takes at most (default 100). */
  batchSize?: number;
  /** maxAttempts is how often RabbitMQ consumers try an event before dead-lettering it (default 5). */
  maxAttempts?: number;
  /** retryDelayMs is the first delay before a failed event is tried again; it doubles per attempt (default 1000). */
  retryDelayMs?: number;
  /** maxRetryDelayMs caps that delay (default 30000). */
  maxRetryDelayMs?: number;
  /** prefetch bounds the unacknowledged RabbitMQ deliveries a consumer holds (default 20). */
  prefetch?: number;
  /** leaseMs is how long a RabbitMQ relay owns rows it is publishing before another relay may take them over (default 30000). */
  leaseMs?: number;
  /** confirmTimeoutMs bounds the wait for the broker's publisher confirms (default 10000). */
  confirmTimeoutMs?: number;
  /** retentionMs is how long published outbox rows and inbox rows are kept (default 7 days). */
  retentionMs?: number;
  /** reconnectDelayMs and maxReconnectDelayMs shape the backoff after a lost RabbitMQ connection (defaults 100, 10000). */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}
