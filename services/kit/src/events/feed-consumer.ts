import { status as Code } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import type { Database } from '../store/types';
import { applyEvent } from './apply-event';
import { backoffDelay } from './backoff';
import { createLoop } from './background-loop';
import type { EventMetrics } from './event-metrics';
import { advanceFeedPosition, ensureFeedPosition, readFeedPosition } from './inbox-repo';
import type { ResolvedOptions } from './options';
import type { BackgroundWork, ConsumeOptions, MeshClients } from './types';
import { durationFromMs } from '@shop/sdk/lib/time';

/** ConsumerDeps are what consumers need. */
export interface ConsumerDeps {
  db: Database;
  log: Logger;
  metrics: EventMetrics;
  options: ResolvedOptions;
}

/**
 * createFeedConsumer consumes the embedded transport: one loop per source
 * pulls its EventFeedService after this service's stored position (with
 * the service's identity, which the mesh clients attach) and applies each
 * event it has a handler for in its own transaction with the inbox row and
 * the new position. Events without a handler only move the position.
 * A pull that finds nothing new waits in the producer for up to
 * feedWaitMs (PullEvents' max_wait), so an event is applied as soon as the
 * producer publishes it and an idle consumer calls once per wait.
 *
 * A handler that throws stops its source at that event: the position stays
 * before it and the loop tries it again with exponential backoff
 * (retryDelayMs doubling up to maxRetryDelayMs), for as long as it takes,
 * while the other sources go on. There is no dead-letter queue here on
 * purpose: the feed is the producer's commit order, and skipping a failed
 * event would let later events about the same aggregate (OrderCancelled
 * after OrderConfirmed) be applied without it. A stuck source is visible in
 * shop_events_consumer_lag and shop_events_failed_total and logged at each
 * attempt; fixing the cause (or the handler) lets it continue.
 */
export function createFeedConsumer(deps: ConsumerDeps, clients: MeshClients, consume: ConsumeOptions): BackgroundWork {
  const loops = Object.entries(consume.sources).map(([source, address]) => sourceLoop(deps, clients, consume, source, address));
  return {
    start() {
      for (const loop of loops) loop.start();
    },
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}

function sourceLoop(deps: ConsumerDeps, clients: MeshClients, consume: ConsumeOptions, source: string, address: string): BackgroundWork {
  const { db, log, metrics, options } = deps;
  // A pull may wait up to feedWaitMs in the producer; its deadline leaves 5 s beyond that for the reply.
  const feed = clients.createClient(EventFeedServiceDefinition, address, { audience: source, defaultTimeoutMs: options.feedWaitMs + 5_000 });
  const maxWait = durationFromMs(options.feedWaitMs);
  const retry = { initialMs: options.retryDelayMs, maxMs: options.maxRetryDelayMs };
  let prepared = false;
  let pullFailures = 0;
  let pulledOnce = false;
  let handlerFailures = 0;
  let warnedBehind = false;

  return createLoop(
    `event consumer of ${source}`,
    async (signal) => {
      if (!prepared) {
        await ensureFeedPosition(db, source);
        prepared = true;
      }
      const position = await readFeedPosition(db, source);
      let reply;
      try {
        reply = await feed.pullEvents({ afterPosition: BigInt(position), maxEvents: options.batchSize, maxWait: options.feedWaitMs > 0 ? maxWait : undefined }, { signal });
      } catch (err) {
        if (signal.aborted) return 0;
        pullFailures += 1;
        // The producer starting or restarting is routine: one line when it begins (info while
        // waiting for a producer never reached, without a stack), a warning once in a while after.
        const unreachable = (err as { code?: unknown }).code === Code.UNAVAILABLE;
        if (pullFailures === 1 && unreachable && !pulledOnce) log.info({ source, address }, `waiting for ${source} to serve its event feed`);
        else if (pullFailures === 1 || pullFailures % 20 === 0) {
          log.warn({ ...(unreachable ? { reason: (err as Error).message } : { err }), source, address, failures: pullFailures }, 'cannot pull events; retrying');
        }
        return backoffDelay(pullFailures, { initialMs: options.pollIntervalMs, maxMs: 5_000 });
      }
      if (pullFailures > 0 && !pulledOnce) log.info({ source, address }, `pulling ${source}'s event feed`);
      pullFailures = 0;
      pulledOnce = true;
      const head = reply.headPosition;
      if (head < BigInt(position) && !warnedBehind) {
        // Positions never go back, so the producer's outbox was replaced (a wiped database): its events up to our position are skipped.
        warnedBehind = true;
        log.warn({ source, position, head: String(head) }, 'the feed is behind this consumer\'s stored position; was the producer\'s database reset?');
      }
      metrics.consumerLag(source, Math.max(0, Number(head - BigInt(position))));
      // done is the last event dealt with; skipped says it was passed over without a transaction that stored it.
      let done = position;
      let skipped = false;
      const catchUp = async () => {
        if (skipped) await advanceFeedPosition(db, source, done);
        metrics.consumerLag(source, Math.max(0, Number(head - BigInt(done))));
      };
      for (const { position: atPosition, envelope } of reply.events) {
        if (signal.aborted) break;
        const at = String(atPosition);
        const handler = envelope?.payload !== undefined ? consume.handlers[envelope.type] : undefined;
        if (envelope === undefined || handler === undefined) {
          done = at;
          skipped = true;
          continue;
        }
        try {
          const applied = await applyEvent(db, envelope, handler, 'feed', { source, position: at });
          if (applied === 'handled') metrics.consumed(envelope.type);
          else metrics.duplicate(envelope.type);
          handlerFailures = 0;
          done = at;
          skipped = false;
        } catch (err) {
          handlerFailures += 1;
          metrics.failed(envelope.type);
          const delay = backoffDelay(handlerFailures, retry);
          log.error(
            { err, source, position: at, event_id: envelope.id, event_type: envelope.type, attempt: handlerFailures, retry_in_ms: delay },
            'event handler failed; the consumer of this source waits at this event and retries',
          );
          await catchUp();
          return delay;
        }
      }
      await catchUp();
      // Pull again at once after a full batch, and after any events when pulls wait in the producer (the next
      // pull waits there for what comes next). An empty reply pauses: it came after a wait, or from a
      // producer that does not wait, which must not be polled in a tight loop.
      const more = reply.events.length === options.batchSize || (options.feedWaitMs > 0 && reply.events.length > 0);
      return more ? 0 : options.pollIntervalMs;
    },
    log,
  );
}
