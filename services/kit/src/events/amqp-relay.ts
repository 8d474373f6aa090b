import type { ConfirmChannel } from 'amqplib';
import { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import { backoffDelay } from './backoff';
import { createLoop, listenWhileRunning } from './background-loop';
import { closeWith, keepConnected, type AmqpLink } from './amqp-connection';
import { countPublished, PRUNE_EVERY_MS, prunePublishedEvents, type RelayDeps } from './feed-relay';
import type { PublishedSignal } from './published-signal';
import { leaseUnpublished, markPublished, msUntilLeaseEnds, releaseLease, type OutboxRow } from './outbox-repo';
import type { BackgroundWork } from './types';

/** ENVELOPE_CONTENT_TYPE is the content type of every event message: a protobuf-encoded shop.events.v1.EventEnvelope. */
export const ENVELOPE_CONTENT_TYPE = 'application/x-protobuf; messageType="shop.events.v1.EventEnvelope"';

/**
 * createAmqpRelay publishes the outbox to RabbitMQ: each round leases the
 * oldest unpublished rows, publishes them to the durable topic exchange
 * (routing key = event type, persistent, on a confirm channel), and only
 * once the broker has confirmed a message marks its row published, giving
 * it a feed position as the embedded relay does (so the feed also lists
 * what went to the broker). A message the broker refused, or whose confirm
 * does not come within confirmTimeoutMs, stays unpublished and is sent
 * again. If the process dies between the confirm and the mark, the lease
 * runs out and the row is published a second time: delivery is at least
 * once and consumers drop the duplicate by event id.
 *
 * Without a connection the relay waits; keepConnected brings it back with
 * backoff, and the outbox keeps every event meanwhile.
 */
export function createAmqpRelay(deps: RelayDeps & { url: string }, published: PublishedSignal): BackgroundWork {
  const { db, log, options } = deps;
  let channel: ConfirmChannel | undefined;
  let link: AmqpLink | undefined;
  let failures = 0;
  let lastPrune = 0;

  const retryAfterFailure = (): number => {
    failures += 1;
    return backoffDelay(failures, { initialMs: options.pollIntervalMs, maxMs: options.maxRetryDelayMs });
  };

  const loop = createLoop(
    'event relay',
    async () => {
      const ch = channel;
      if (ch === undefined) return options.pollIntervalMs;
      let rows: OutboxRow[];
      try {
        if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
          lastPrune = Date.now();
          await prunePublishedEvents(db, options.retentionMs, log);
        }
        rows = await leaseUnpublished(db, options.batchSize, options.leaseMs);
      } catch (err) {
        log.warn({ err }, 'event relay cannot read the outbox; retrying');
        return retryAfterFailure();
      }
      if (rows.length === 0) {
        failures = 0;
        // Rows another relay leased come back when the lease runs out, which no commit announces.
        const leaseEnds = await msUntilLeaseEnds(db).catch(() => undefined);
        return leaseEnds === undefined ? options.idleRecheckMs : Math.min(options.idleRecheckMs, leaseEnds + 10);
      }

      const confirmed: string[] = [];
      const refused: string[] = [];
      let firstError: unknown;
      await Promise.all(
        rows.map((row) =>
          publish(ch, options.exchange, row, options.confirmTimeoutMs).then(
            () => confirmed.push(row.seq),
            (err: unknown) => {
              firstError ??= err;
              refused.push(row.seq);
            },
          ),
        ),
      );
      try {
        countPublished(deps.metrics, await markPublished(db, confirmed));
      } catch (err) {
        // The broker has the messages; their rows stay leased and are published again when the lease runs out.
        log.error({ err, events: confirmed.length }, 'event relay cannot mark published events; they will be published again');
        return retryAfterFailure();
      }
      if (refused.length > 0) {
        log.warn({ err: firstError, events: refused.length }, 'RabbitMQ did not confirm some events; retrying them');
        await releaseLease(db, refused).catch((err: unknown) => log.warn({ err }, 'cannot release the lease of unconfirmed events'));
        return retryAfterFailure();
      }
      failures = 0;
      return rows.length === options.batchSize ? 0 : options.idleRecheckMs;
    },
    log,
  );

  const woken = listenWhileRunning(loop, db, { outbox: () => loop.wake(), feed: () => published.notify() }, log);
  return {
    start() {
      link ??= keepConnected({
        url: deps.url,
        name: `${options.service} event relay`,
        log,
        initialDelayMs: options.reconnectDelayMs,
        maxDelayMs: options.maxReconnectDelayMs,
        async onConnect(connection) {
          const ch = await connection.createConfirmChannel();
          closeWith(ch, connection, log);
          await ch.assertExchange(options.exchange, 'topic', { durable: true });
          channel = ch;
          loop.wake();
        },
        onDisconnect() {
          channel = undefined;
        },
      });
      woken.start();
    },
    async stop() {
      await woken.stop();
      await link?.stop();
      link = undefined;
    },
  };
}

/** publish sends one outbox row and resolves when the broker confirms it; it rejects on a nack, a closed channel or no confirm in time. */
function publish(ch: ConfirmChannel, exchange: string, row: OutboxRow, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`RabbitMQ did not confirm event ${row.event_id} within ${timeoutMs} ms`)), timeoutMs);
    try {
      const envelope = EventEnvelope.decode(row.envelope);
      const headers: Record<string, string> = {};
      if (envelope.traceparent) headers.traceparent = envelope.traceparent;
      if (envelope.tracestate) headers.tracestate = envelope.tracestate;
      ch.publish(
        exchange,
        row.event_type,
        row.envelope,
        {
          persistent: true,
          contentType: ENVELOPE_CONTENT_TYPE,
          type: row.event_type,
          messageId: row.event_id,
          appId: envelope.source,
          timestamp: Math.floor((envelope.time?.getTime() ?? Date.now()) / 1000),
          headers,
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (err) reject(err instanceof Error ? err : new Error(`RabbitMQ refused event ${row.event_id}`));
          else resolve();
        },
      );
    } catch (err) {
      clearTimeout(timer);
      reject(err);
    }
  });
}
