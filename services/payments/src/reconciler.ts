import type { ReconcileResult } from './operations/reconcile';

/** ReconcilerOptions configure startReconciler. */
export interface ReconcilerOptions {
  intervalMs: number;
  /** run does one pass and says what it settled. */
  run: () => Promise<ReconcileResult>;
  log: { info(details: object, message: string): void; error(details: object, message: string): void };
}

/**
 * startReconciler runs the reconciler every intervalMs, the next run timed
 * from the end of the previous one so runs never overlap. A failed run is
 * logged and the next one goes ahead. The returned stop waits for a run in
 * progress, so the database is not closed under it.
 */
export function startReconciler({ intervalMs, run, log }: ReconcilerOptions): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run()
        .then(
          (settled) => {
            if (settled.payments + settled.refunds > 0) log.info({ ...settled }, 'reconciler settled pending work');
          },
          (err: unknown) => log.error({ err }, 'reconciler run failed'),
        )
        .finally(schedule);
    }, intervalMs);
    // The reconciler alone must not keep a process alive that is otherwise done.
    timer.unref();
  };
  schedule();

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
