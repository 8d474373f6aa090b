/** SweeperOptions configure startSweeper. */
export interface SweeperOptions {
  intervalMs: number;
  /** sweep does one pass and returns how many reservations it expired. */
  sweep: () => Promise<number>;
  log: { info(details: object, message: string): void; error(details: object, message: string): void };
}

/**
 * startSweeper runs sweep every intervalMs, the next run timed from the end
 * of the previous one so runs never overlap. A failed run is logged and the
 * next one goes ahead. The returned stop waits for a run in progress, so
 * the database is not closed under it.
 */
export function startSweeper({ intervalMs, sweep, log }: SweeperOptions): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep().then(
        (expired) => {
          if (expired > 0) log.info({ expired }, 'reservations expired');
        },
        (err: unknown) => log.error({ err }, 'reservation sweep failed'),
      ).finally(schedule);
    }, intervalMs);
    // The sweeper alone must not keep a process alive that is otherwise done.
    timer.unref();
  };
  schedule();

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
