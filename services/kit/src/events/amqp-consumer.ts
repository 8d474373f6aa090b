import type { Channel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import { applyEvent } from './apply-event';
import { backoffDelay } from './backoff';
import { createLoop } from './background-loop';
import { closeWith, keepConnected, type AmqpLink } from './amqp-connection';
import type { ConsumerDeps } from './feed-consumer';
import { pruneInbox } from './inbox-repo';
import type { BackgroundWork, ConsumeOptions } from './types';

/** ATTEMPTS_HEADER counts the failed attempts of a message; the retry and dead-letter copies carry it. */
export const ATTEMPTS_HEADER = 'x-shop-attempts';
/** ERROR_HEADER on a dead-lettered message is the last error its handler threw. */
export const ERROR_HEADER = 'x-shop-error';

/** QueueNames are a consumer's queues: the main one, where failed messages wait, and the dead letters. */
export interface QueueNames {
  queue: string;
  retry: string;
  dlq: string;
}

/** queueNames derives the retry and dead-letter queues from a consumer's queue name. */
export function queueNames(queue: string): QueueNames {
  return { queue, retry: `${queue}.retry`, dlq: `${queue}.dlq` };
}

const HOUSEKEEPING_EVERY_MS = 5_000;

/**
 * createAmqpConsumer consumes from RabbitMQ. Its topology, declared on
 * every (re)connect:
 * - `<queue>` (shop.<service>): durable, bound to the exchange once per
 *   handled event type;
 * - `<queue>.retry`: durable, no consumer; a failed message waits here
 *   until its per-message TTL runs out, then the broker dead-letters it back
 *   to `<queue>` through the default exchange;
 * - `<queue>.dlq`: durable; messages that failed maxAttempts times, with
 *   the attempt count and last error in their headers, for an operator.
 *
 * Messages are handled one at a time in delivery order, at most prefetch
 * of them held unacknowledged. A message is acknowledged only after the
 * handler's transaction (with the inbox row) committed; a redelivered
 * event already in the inbox is acknowledged without running the handler.
 * When the handler throws, a copy with the attempt count goes to the retry
 * queue with a delay of retryDelayMs doubling per attempt (capped at
 * maxRetryDelayMs), or to the dead-letter queue after maxAttempts; the
 * original is acknowledged once the broker confirmed the copy. Per-message
 * TTLs expire in queue order, so a message may wait behind a longer delay,
 * never less than its own. A message whose handler crashes the process is
 * redelivered without counting an attempt.
 */
export function createAmqpConsumer(deps: ConsumerDeps & { url: string }, consume: ConsumeOptions): BackgroundWork {
  const { db, log, metrics, options } = deps;
  const names = queueNames(options.queue);
  const types = Object.keys(consume.handlers).filter((type) => consume.handlers[type] !== undefined);
  const retry = { initialMs: options.retryDelayMs, maxMs: options.maxRetryDelayMs };
  let link: AmqpLink | undefined;
  let session: { channel: ConfirmChannel; consumerTag: string; open: boolean } | undefined;
  let chain: Promise<void> = Promise.resolve();
  let lastPrune = 0;

  /** forward puts a copy of msg on a queue (through the default exchange) and waits for the broker's confirm. */
  const forward = (ch: ConfirmChannel, msg: ConsumeMessage, queue: string, headers: Record<string, unknown>, expirationMs?: number) =>
    new Promise<void>((resolve, reject) => {
      const p = msg.properties;
      const properties: Options.Publish = {
        persistent: true,
        contentType: p.contentType,
        type: p.type,
        messageId: p.messageId,
        appId: p.appId,
        timestamp: p.timestamp,
        headers: { ...p.headers, ...headers },
        ...(expirationMs === undefined ? {} : { expiration: String(expirationMs) }),
      };
      try {
        ch.sendToQueue(queue, msg.content, properties, (err: unknown) => (err ? reject(err) : resolve()));
      } catch (err) {
        reject(err);
      }
    });

  const ack = (ch: Channel, msg: ConsumeMessage) => {
    try {
      ch.ack(msg);
    } catch (err) {
      // The channel is gone; the broker redelivers the message and the inbox recognises it.
      log.warn({ err }, 'cannot acknowledge an event; it will be redelivered');
    }
  };

  const failed = async (ch: ConfirmChannel, msg: ConsumeMessage, type: string, eventId: string, err: unknown) => {
    const attempts = attemptsOf(msg) + 1;
    const reason = err instanceof Error ? err.message : String(err);
    try {
      if (attempts >= options.maxAttempts) {
        await forward(ch, msg, names.dlq, { [ATTEMPTS_HEADER]: attempts, [ERROR_HEADER]: reason.slice(0, 1_000) });
        metrics.deadLettered(type);
        log.error({ err, event_id: eventId, event_type: type, attempts, queue: names.dlq }, 'event handler failed for the last time; event dead-lettered');
      } else {
        const delay = backoffDelay(attempts, retry);
        await forward(ch, msg, names.retry, { [ATTEMPTS_HEADER]: attempts }, delay);
        log.warn({ err, event_id: eventId, event_type: type, attempts, retry_in_ms: delay }, 'event handler failed; retrying later');
      }
    } catch (forwardErr) {
      log.warn({ err: forwardErr, event_id: eventId }, 'cannot move a failed event aside; it will be redelivered');
      return;
    }
    ack(ch, msg);
  };

  const deliver = async (current: NonNullable<typeof session>, msg: ConsumeMessage) => {
    // Deliveries of a closed channel are redelivered on the next one; handling them now would only duplicate work.
    if (!current.open) return;
    const ch = current.channel;
    let envelope: EventEnvelope;
    try {
      envelope = EventEnvelope.decode(msg.content);
    } catch (err) {
      const type = msg.properties.type ?? msg.fields.routingKey;
      metrics.failed(type);
      return failed(ch, msg, type, String(msg.properties.messageId), new Error(`cannot decode the event envelope: ${String(err)}`, { cause: err }));
    }
    const handler = envelope.payload !== undefined ? consume.handlers[envelope.type] : undefined;
    if (handler === undefined) return ack(ch, msg);
    try {
      const applied = await applyEvent(db, envelope, handler, 'amqp');
      if (applied === 'handled') metrics.consumed(envelope.type);
      else metrics.duplicate(envelope.type);
    } catch (err) {
      metrics.failed(envelope.type);
      return failed(ch, msg, envelope.type, envelope.id, err);
    }
    ack(ch, msg);
  };

  const housekeeping = createLoop(
    'event consumer housekeeping',
    async () => {
      const current = session;
      if (current?.open) {
        const { messageCount } = await current.channel.checkQueue(names.queue);
        metrics.consumerLag('rabbitmq', messageCount);
      }
      if (Date.now() - lastPrune > 60_000) {
        lastPrune = Date.now();
        const pruned = await pruneInbox(db, options.retentionMs);
        if (pruned > 0) log.info({ inbox: pruned }, 'pruned inbox rows past their retention');
      }
      return HOUSEKEEPING_EVERY_MS;
    },
    log,
    HOUSEKEEPING_EVERY_MS,
  );

  return {
    start() {
      link ??= keepConnected({
        url: deps.url,
        name: `${options.service} event consumer`,
        log,
        initialDelayMs: options.reconnectDelayMs,
        maxDelayMs: options.maxReconnectDelayMs,
        async onConnect(connection) {
          const channel = await connection.createConfirmChannel();
          closeWith(channel, connection, log);
          await channel.assertExchange(options.exchange, 'topic', { durable: true });
          await channel.assertQueue(names.queue, { durable: true });
          await channel.assertQueue(names.retry, {
            durable: true,
            arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': names.queue },
          });
          await channel.assertQueue(names.dlq, { durable: true });
          for (const type of types) await channel.bindQueue(names.queue, options.exchange, type);
          await channel.prefetch(options.prefetch);
          const current = { channel, consumerTag: '', open: true };
          channel.on('close', () => {
            current.open = false;
          });
          const { consumerTag } = await channel.consume(
            names.queue,
            (msg) => {
              // null: the broker cancelled the consumer (its queue was deleted); reconnecting declares it again.
              if (msg === null) return void connection.close().catch(() => undefined);
              chain = chain.then(() => deliver(current, msg)).catch((err: unknown) => log.error({ err }, 'event delivery failed'));
            },
            { noAck: false },
          );
          current.consumerTag = consumerTag;
          session = current;
        },
        onDisconnect() {
          session = undefined;
        },
      });
      housekeeping.start();
    },
    async stop() {
      // Stop deliveries, finish (and acknowledge) the ones received, then close.
      const current = session;
      if (current?.open) await current.channel.cancel(current.consumerTag).catch(() => undefined);
      await chain;
      await housekeeping.stop();
      await link?.stop();
      link = undefined;
    },
  };
}

/** attemptsOf reads how many times a message has failed before, from its attempts header. */
export function attemptsOf(msg: Pick<ConsumeMessage, 'properties'>): number {
  const value = Number(msg.properties.headers?.[ATTEMPTS_HEADER] ?? 0);
  return Number.isInteger(value) && value > 0 ? value : 0;
}
