import type { Logger } from 'pino';

/** ShipperOptions configure startShipper. */
export interface ShipperOptions {
  intervalMs: number;
  batchSize: number;
  /** ship does one transaction and returns how many shipments it shipped. */
  ship: (batchSize: number) => Promise<number>;
  log: Pick<Logger, 'info' | 'error'>;
}

/**
 * startShipper is the background worker that ships due shipments: it runs
 * ship every intervalMs, and again at once while it finds full batches.
 * Runs never overlap; a failed run is logged and the next one goes ahead.
 * The returned stop waits for a run in progress, so the database is not
 * closed under it.
 */
export function startShipper({ intervalMs, batchSize, ship, log }: ShipperOptions): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = ship(batchSize).then(
        (shipped) => {
          if (shipped > 0) log.info({ shipped }, 'shipments shipped');
          schedule(shipped === batchSize ? 0 : intervalMs);
        },
        (err: unknown) => {
          log.error({ err }, 'shipping due shipments failed');
          schedule(intervalMs);
        },
      );
    }, delayMs);
    // The shipper alone must not keep a process alive that is otherwise done.
    timer.unref();
  };
  schedule(intervalMs);

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
