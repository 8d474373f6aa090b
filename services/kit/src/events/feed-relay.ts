import type { Logger } from 'pino';
import type { Database } from '../store/types';
import { backoffDelay } from './backoff';
import { createLoop, listenWhileRunning } from './background-loop';
import type { EventMetrics } from './event-metrics';
import type { ResolvedOptions } from './options';
import type { PublishedSignal } from './published-signal';
import { assignNextPositions, prunePublished, type PublishedRow } from './outbox-repo';
import type { BackgroundWork } from './types';

/** RelayDeps are what both relays need. */
export interface RelayDeps {
  db: Database;
  log: Logger;
  metrics: EventMetrics;
  options: ResolvedOptions;
}

/** PRUNE_EVERY_MS is how often relays and consumers delete rows past their retention. */
export const PRUNE_EVERY_MS = 60_000;

/**
 * createFeedRelay is the embedded relay: each round gives the oldest
 * unpublished outbox rows the next feed positions (see
 * assignNextPositions), which is what publishing means without a broker:
 * consumers pull the feed by position. It runs again at once while it finds
 * full batches; idle, it sleeps until a commit to the outbox wakes it (or
 * idleRecheckMs passes). Once a minute it also
 * prunes published events past their retention. Each round that publishes
 * notifies `published`, which wakes the pulls waiting in this process.
 */
export function createFeedRelay(deps: RelayDeps, published: PublishedSignal): BackgroundWork {
  const { db, log, options } = deps;
  let failures = 0;
  let lastPrune = 0;
  const loop = createLoop(
    'event relay',
    async () => {
      let rows: PublishedRow[] | undefined;
      try {
        rows = await assignNextPositions(db, options.batchSize);
        if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
          lastPrune = Date.now();
          await prunePublishedEvents(db, options.retentionMs, log);
        }
      } catch (err) {
        failures += 1;
        log.warn({ err, failures }, 'event relay round failed; retrying');
        return backoffDelay(failures, { initialMs: options.pollIntervalMs, maxMs: options.maxRetryDelayMs });
      }
      failures = 0;
      // undefined: another replica holds the feed lock and is relaying.
      if (rows === undefined) return options.pollIntervalMs;
      if (rows.length > 0) published.notify();
      countPublished(deps.metrics, rows);
      return rows.length === options.batchSize ? 0 : options.idleRecheckMs;
    },
    log,
  );
  // A commit to the outbox wakes the relay; a commit that moved the feed head
  // (in any replica) wakes the pulls waiting in this process's feed service.
  return listenWhileRunning(loop, db, { outbox: () => loop.wake(), feed: () => published.notify() }, log);
}

/** countPublished adds published rows to the published counter, by type. */
export function countPublished(metrics: EventMetrics, rows: readonly PublishedRow[]): void {
  const byType = new Map<string, number>();
  for (const row of rows) byType.set(row.event_type, (byType.get(row.event_type) ?? 0) + 1);
  for (const [type, count] of byType) metrics.published(type, count);
}

/** prunePublishedEvents deletes published events older than the retention. */
export async function prunePublishedEvents(db: Database, retentionMs: number, log: Logger): Promise<void> {
  const events = await prunePublished(db, retentionMs);
  if (events > 0) log.info({ events }, 'pruned published events past their retention');
}
