import { callContextStorage, type Database, type Logger } from '@shop/kit';
import { needsPaymentToken, type SagaLimits, type Step } from '../domain/saga';
import { findOrder } from '../store/order-repo';
import { claimSaga, dueSagas, releaseLease, renewLease } from '../store/saga-repo';
import type { OrderNotifier } from './order-notifier';
import type { PaymentTokens } from './payment-tokens';
import { recordOutcome, startNext } from './saga-transactions';
import type { SagaSteps } from './saga-steps';

/** SagaCheckpoint names a point in a step: marked started, remote call answered, outcome stored. */
export interface SagaCheckpoint {
  orderId: string;
  step: Step;
  at: 'started' | 'called' | 'recorded';
}

/**
 * SagaHooks let tests stop a saga at a checkpoint as if the process had
 * died there: a checkpoint that returns 'crash' makes the driver drop the
 * order on the spot, writing nothing more and keeping its lease until it
 * expires. Production passes none.
 */
export interface SagaHooks {
  checkpoint?(point: SagaCheckpoint): void | 'crash' | Promise<void | 'crash'>;
}

/** SagaRunnerOptions configure the saga runner. */
export interface SagaRunnerOptions extends SagaLimits {
  db: Database;
  steps: SagaSteps;
  notifier: OrderNotifier;
  log: Logger;
  /** owner names this process in leases and the saga log. */
  owner: string;
  leaseMs: number;
  /** maxAttempts is how often a compensation is tried in place before it is handed to the recovery loop. */
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  recoveryIntervalMs: number;
  recoveryBatch: number;
  /** tokens holds the payment tokens of the orders this process took (see payment-tokens.ts). */
  tokens: PaymentTokens;
  hooks?: SagaHooks;
}

/** SagaRunner drives sagas: on request (kick) and from the recovery loop. */
export interface SagaRunner {
  /** kick starts driving an order's saga in the background, unless this process already does or another holds its lease. */
  kick(orderId: string): void;
  /** recoverOnce claims the due sagas nobody drives and starts driving them; it returns how many it started. */
  recoverOnce(): Promise<number>;
  /** start runs the recovery loop: once now, then every recoveryIntervalMs. */
  start(): void;
  /** stop ends the loop, aborts the steps in flight (their outcome is not recorded) and waits for the drivers to let go. */
  stop(): Promise<void>;
}

/** backoffDelay is the pause before attempt n+1 of a step: base doubling per attempt, capped, with ±20 % jitter. */
export function backoffDelay(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.8 + 0.4 * random()));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * createSagaRunner drives checkout sagas. To drive an order a process
 * claims its lease (a conditional UPDATE, so only one process can hold it),
 * renews it every third of SAGA_LEASE while it works, and gives it up when
 * the saga is done, waits for the recovery loop, or the process stops. Each
 * step is: mark it started (one transaction), call the other service with
 * the step's idempotency key, record the outcome (another transaction). A
 * crash anywhere leaves the saga with an expiring lease and a state from
 * which the recovery loop of any replica resumes it, running the step in
 * flight again with the same key.
 *
 * Transient failures are retried in place with exponential backoff. A
 * forward step still failing when its time budget (SAGA_STEP_TIMEOUT, from
 * its first failure) has run out turns the saga to compensation; business
 * failures do at once. A compensation out of attempts is handed to the
 * recovery loop, which tries again every SAGA_RETRY_MAX_BACKOFF until it
 * succeeds: money and stock are always given back.
 */
export function createSagaRunner(opts: SagaRunnerOptions): SagaRunner {
  const { db, log, owner } = opts;
  const stopping = new AbortController();
  // One listener on the process's stop for every saga being driven (one each would pass
  // Node's 10-listener warning with eleven sagas in flight, which is ordinary load).
  const inFlight = new Set<AbortController>();
  stopping.signal.addEventListener('abort', () => {
    for (const abort of inFlight) abort.abort();
  });
  const driving = new Map<string, Promise<void>>();
  const recheck = new Set<string>();
  let loop: Promise<void> | undefined;

  async function checkpoint(point: SagaCheckpoint): Promise<boolean> {
    return (await opts.hooks?.checkpoint?.(point)) === 'crash';
  }

  async function drive(orderId: string): Promise<void> {
    const claimed = await claimSaga(db, orderId, owner, opts.leaseMs);
    if (claimed === undefined) return;
    const order = await findOrder(db, orderId);
    if (order === undefined) return releaseLease(db, orderId, owner);
    // Aborted when the process stops or the lease is lost: the step in flight is abandoned unrecorded.
    const abort = new AbortController();
    inFlight.add(abort);
    let lost = false;
    let crashed = false;
    let deferMs = 0;
    const renewal = setInterval(() => {
      renewLease(db, orderId, owner, opts.leaseMs).then(
        (held) => {
          if (!held) {
            lost = true;
            abort.abort();
          }
        },
        (err: unknown) => log.warn({ err, orderId }, 'renewing a saga lease failed'),
      );
    }, Math.max(10, Math.floor(opts.leaseMs / 3)));
    try {
      while (!abort.signal.aborted) {
        const next = await db.transaction((tx) => startNext(tx, orderId, owner));
        if (next.kind === 'lost') lost = true;
        if (next.kind === 'finished') {
          opts.tokens.forget(orderId);
          log.info({ orderId, outcome: next.outcome }, 'saga finished');
          opts.notifier.publish({ orderId, order: next.order, sagaDone: true });
        }
        if (next.kind !== 'step') return;
        const { step } = next;
        if (await checkpoint({ orderId, step, at: 'started' })) return void (crashed = true);

        const outcome = await opts.steps.run(step, { order, saga: next.saga.state, paymentToken: opts.tokens.get(orderId) }, abort.signal);
        if (abort.signal.aborted) return;
        if (await checkpoint({ orderId, step, at: 'called' })) return void (crashed = true);

        const recorded = await db.transaction((tx) => recordOutcome(tx, orderId, owner, step, outcome, opts));
        if (recorded.kind === 'lost') return void (lost = true);
        if (!needsPaymentToken(recorded.saga)) opts.tokens.forget(orderId);
        if (recorded.order) opts.notifier.publish({ orderId, order: recorded.order });
        if (await checkpoint({ orderId, step, at: 'recorded' })) return void (crashed = true);

        const { attempts, phase } = recorded.saga;
        if (attempts === 0) continue;
        if (outcome.kind === 'retry') log.warn({ orderId, step, attempts, error: outcome.error }, 'saga step failed; retrying');
        if (phase === 'COMPENSATING' && attempts >= opts.maxAttempts) {
          deferMs = opts.maxBackoffMs;
          log.error({ orderId, step, attempts }, 'compensation keeps failing; the recovery loop retries it later');
          return;
        }
        // A RetryInfo hint (payments' breaker: when it will probe again) stretches the pause, up to the cap.
        const hinted = outcome.kind === 'retry' ? Math.min(outcome.retryAfterMs ?? 0, opts.maxBackoffMs) : 0;
        await sleep(Math.max(hinted, backoffDelay(attempts, opts.backoffMs, opts.maxBackoffMs)), abort.signal);
      }
    } catch (err) {
      // A database failure: give the saga back to the recovery loop.
      deferMs = opts.backoffMs;
      log.error({ err, orderId }, 'driving a saga failed; the recovery loop resumes it');
    } finally {
      clearInterval(renewal);
      inFlight.delete(abort);
      if (lost) log.warn({ orderId }, 'saga lease lost: another process drives the order now');
      // A simulated crash keeps the lease, like a dead process: it expires.
      if (!crashed && !lost) await releaseLease(db, orderId, owner, deferMs).catch((err: unknown) => log.warn({ err, orderId }, 'releasing a saga lease failed'));
    }
  }

  function kick(orderId: string): void {
    if (stopping.signal.aborted) return;
    if (driving.has(orderId)) {
      recheck.add(orderId);
      return;
    }
    // Outside the call that kicked it: the saga must not inherit that call's
    // deadline, cancellation or user token; it calls with the service identity.
    const run = callContextStorage.exit(() => drive(orderId)).catch((err: unknown) => log.error({ err, orderId }, 'saga driver failed'));
    const tracked = run.finally(() => {
      driving.delete(orderId);
      if (recheck.delete(orderId)) kick(orderId);
    });
    driving.set(orderId, tracked);
  }

  async function recoverOnce(): Promise<number> {
    const due = await dueSagas(db, opts.recoveryBatch);
    let started = 0;
    for (const orderId of due) {
      if (driving.has(orderId)) continue;
      kick(orderId);
      started += 1;
    }
    return started;
  }

  return {
    kick,
    recoverOnce,
    start() {
      if (loop) return;
      loop = (async () => {
        while (!stopping.signal.aborted) {
          try {
            const started = await recoverOnce();
            if (started > 0) log.info({ started }, 'recovery loop resumed sagas');
          } catch (err) {
            log.warn({ err }, 'saga recovery run failed');
          }
          await sleep(opts.recoveryIntervalMs, stopping.signal);
        }
      })();
    },
    async stop() {
      stopping.abort();
      await loop;
      await Promise.all([...driving.values()]);
    },
  };
}
