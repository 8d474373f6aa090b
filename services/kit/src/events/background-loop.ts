import type { Logger } from 'pino';
import { sleep } from './backoff';
import type { BackgroundWork } from './types';

/**
 * Round is one pass of a loop: it does some work and returns how long to
 * pause before the next pass (0 to go on at once). signal aborts on stop.
 */
export type Round = (signal: AbortSignal) => Promise<number>;

/**
 * createLoop runs round over and over in the background until stopped. A
 * round that throws is logged and the loop pauses for errorDelayMs; rounds
 * are expected to handle their own failures and choose their own backoff.
 * stop() waits for the round in progress, so the database is not closed
 * under it. start() after stop() starts again.
 */
export function createLoop(name: string, round: Round, log: Logger, errorDelayMs = 1_000): BackgroundWork {
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;
  const run = async (signal: AbortSignal) => {
    while (!signal.aborted) {
      let pause: number;
      try {
        pause = await round(signal);
      } catch (err) {
        log.error({ err, loop: name }, `${name} failed`);
        pause = errorDelayMs;
      }
      if (pause > 0) await sleep(pause, signal);
    }
  };
  return {
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
