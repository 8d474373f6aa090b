import type { Logger } from 'pino';
import type { Database } from '../store/types';
import type { Subscription } from '../store/notifications';
import type { BackgroundWork } from './types';

/**
 * Round is one pass of a loop: it does some work and returns how long to
 * pause before the next pass (0 to go on at once). signal aborts on stop.
 */
export type Round = (signal: AbortSignal) => Promise<number>;

/** Loop is a background loop that can be woken from its pause. */
export interface Loop extends BackgroundWork {
  /**
   * wake ends the current pause at once (a notification said there is
   * work); called while a round runs, it makes the next round start
   * without a pause, so a wake is never lost.
   */
  wake(): void;
}

/**
 * createLoop runs round over and over in the background until stopped. A
 * round that throws is logged and the loop pauses for errorDelayMs; rounds
 * are expected to handle their own failures and choose their own backoff.
 * stop() waits for the round in progress, so the database is not closed
 * under it. start() after stop() starts again.
 */
export function createLoop(name: string, round: Round, log: Logger, errorDelayMs = 1_000): Loop {
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;
  let woken = false;
  let endPause: (() => void) | undefined;
  const pause = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        endPause = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      endPause = done;
    });
  const run = async (signal: AbortSignal) => {
    while (!signal.aborted) {
      woken = false;
      let ms: number;
      try {
        ms = await round(signal);
      } catch (err) {
        log.error({ err, loop: name }, `${name} failed`);
        ms = errorDelayMs;
      }
      if (ms > 0 && !woken && !signal.aborted) await pause(ms, signal);
    }
  };
  return {
    wake() {
      woken = true;
      endPause?.();
    },
    start() {
      if (controller !== undefined) return;
      controller = new AbortController();
      running = run(controller.signal);
    },
    async stop() {
      if (controller === undefined) return;
      controller.abort();
      await running;
      controller = undefined;
      running = undefined;
    },
  };
}

/**
 * listenWhileRunning runs work with subscriptions to database topics (see
 * Database.listen) for as long as it runs: typically `{ outbox: loop.wake }`,
 * so a loop sleeps until a commit says there is work. If listening fails,
 * the work runs anyway and its own recheck interval stands in.
 */
export function listenWhileRunning(work: BackgroundWork, db: Pick<Database, 'listen'>, topics: Record<string, () => void>, log: Logger): BackgroundWork {
  let subscriptions: Promise<Subscription[]> | undefined;
  return {
    start() {
      work.start();
      subscriptions ??= Promise.all(Object.entries(topics).map(([topic, onNotify]) => db.listen(topic, onNotify))).catch((err: unknown) => {
        log.warn({ err, topics: Object.keys(topics) }, 'cannot listen for notifications; polling instead');
        return [];
      });
    },
    async stop() {
      const subs = subscriptions;
      subscriptions = undefined;
      for (const sub of (await subs) ?? []) await sub.close().catch(() => undefined);
      await work.stop();
    },
  };
}
