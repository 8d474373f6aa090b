/**
 * The checkout saga as a pure state machine. The saga runner (src/saga/)
 * persists a SagaState per order, asks nextAction what to do, runs that
 * step against another service, classifies the answer into a StepOutcome
 * (step-outcomes.ts) and stores applyOutcome's result. Nothing here does I/O,
 * so every transition is unit-tested on its own.
 *
 * Forward: RESERVE (inventory) -> CHARGE (payments) -> COMMIT (inventory) ->
 * CONFIRMED. When a step fails for good (out of stock, declined, provider
 * unavailable, reservation expired) or keeps failing transiently for longer
 * than its time budget, or the order is cancelled, the saga compensates what was done, newest first:
 * REFUND the payment, then RELEASE the reservation (or RETURN it, once
 * committed). Only when every compensation has succeeded does the saga end
 * (FAILED, or CANCELLED for a cancellation).
 */

/** ForwardStep is a step of the checkout. */
export type ForwardStep = 'RESERVE' | 'CHARGE' | 'COMMIT';

/** CompensationStep undoes a forward step. */
export type CompensationStep = 'REFUND' | 'RELEASE' | 'RETURN';

/** Step is any saga step. */
export type Step = ForwardStep | CompensationStep;

/** FORWARD_STEPS are the checkout steps in order. */
export const FORWARD_STEPS: readonly ForwardStep[] = ['RESERVE', 'CHARGE', 'COMMIT'];

/** isForward tells a checkout step from a compensation. */
export function isForward(step: Step): step is ForwardStep {
  return (FORWARD_STEPS as readonly string[]).includes(step);
}

/** SagaPhase: checking out, undoing, or finished. */
export type SagaPhase = 'FORWARD' | 'COMPENSATING' | 'DONE';

/**
 * StockStatus is what the saga knows about the order's reservation:
 * NONE (nothing held: not tried, or refused), UNKNOWN (ReserveStock was sent
 * and its answer is not known), RESERVED, COMMIT_UNKNOWN (CommitReservation
 * was sent, answer not known), COMMITTED, RELEASED (released, or expired),
 * RETURNED.
 */
export type StockStatus = 'NONE' | 'UNKNOWN' | 'RESERVED' | 'COMMIT_UNKNOWN' | 'COMMITTED' | 'RELEASED' | 'RETURNED';

/**
 * PaymentStatus is what the saga knows about the order's charge: NONE (not
 * tried), UNKNOWN (Charge was sent and its answer is not known: money may
 * have been taken), CAPTURED, NOT_CAPTURED (declined or failed: nothing
 * taken), REFUNDED.
 */
export type PaymentStatus = 'NONE' | 'UNKNOWN' | 'CAPTURED' | 'NOT_CAPTURED' | 'REFUNDED';

/** SagaOutcome is how a finished saga left the order. */
export type SagaOutcome = 'CONFIRMED' | 'FAILED' | 'CANCELLED';

/**
 * FailureCode is the machine-readable cause of a failed checkout (an
 * ErrorReason without its prefix), for the OrderFailed event.
 */
export type FailureCode = 'INSUFFICIENT_STOCK' | 'PAYMENT_DECLINED' | 'PAYMENT_PROVIDER_UNAVAILABLE' | 'RESERVATION_EXPIRED' | 'UNSPECIFIED';

/** Failure says why a checkout failed: a sentence for the customer and a code. */
export interface Failure {
  message: string;
  code: FailureCode;
}

/** SagaState is everything the saga remembers about one order's checkout (stored as JSON). */
export interface SagaState {
  phase: SagaPhase;
  stock: StockStatus;
  payment: PaymentStatus;
  /** paymentId is the id payments gave the charge, once known ('' before). */
  paymentId: string;
  /** attempts counts the failed tries of the current step; it resets when the step moves on. */
  attempts: number;
  /**
   * failingSince is when (epoch ms) the current step first failed
   * transiently; a forward step's time budget runs from here. It is stored
   * with the state, so a restart of the orders process does not reset it.
   */
  failingSince?: number;
  /** goal is where compensation leads: FAILED, or CANCELLED when the order was cancelled. */
  goal?: 'FAILED' | 'CANCELLED';
  /** failure is why the checkout failed (set when compensation starts for a failure). */
  failure?: Failure;
  /** outcome is set once the saga is DONE. */
  outcome?: SagaOutcome;
}

/** initialSaga is the state of a new order's saga. */
export function initialSaga(): SagaState {
  return { phase: 'FORWARD', stock: 'NONE', payment: 'NONE', paymentId: '', attempts: 0 };
}

/** Action is what to do next: run a step, or finish with an outcome (nothing left to do). */
export type Action = { kind: 'run'; step: Step } | { kind: 'finish'; outcome: SagaOutcome } | { kind: 'none' };

/**
 * nextAction: in FORWARD, the first checkout step not yet known to be done
 * (a step whose answer was lost is run again: every step is idempotent), or
 * CONFIRMED when all are. In COMPENSATING, newest first: the payment (if it
 * was or may have been captured), then the stock (release a reservation
 * that is or may be held, return a committed one), then the goal. DONE has
 * nothing to do.
 */
export function nextAction(s: SagaState): Action {
  switch (s.phase) {
    case 'FORWARD':
      if (s.stock === 'NONE' || s.stock === 'UNKNOWN') return run('RESERVE');
      if (s.payment === 'NONE' || s.payment === 'UNKNOWN') return run('CHARGE');
      if (s.stock === 'RESERVED' || s.stock === 'COMMIT_UNKNOWN') return run('COMMIT');
      return { kind: 'finish', outcome: 'CONFIRMED' };
    case 'COMPENSATING':
      if (s.payment === 'CAPTURED' || s.payment === 'UNKNOWN') return run('REFUND');
      if (s.stock === 'UNKNOWN' || s.stock === 'RESERVED' || s.stock === 'COMMIT_UNKNOWN') return run('RELEASE');
      if (s.stock === 'COMMITTED') return run('RETURN');
      return { kind: 'finish', outcome: s.goal ?? 'FAILED' };
    case 'DONE':
      return { kind: 'none' };
  }
}

function run(step: Step): Action {
  return { kind: 'run', step };
}

/**
 * begin marks a checkout step as sent before its remote call is made, so
 * that after a crash the saga knows the step may have happened: a
 * reservation or a charge that may exist is compensated even if its answer
 * was lost. Compensations need no mark: they are retried until they succeed.
 */
export function begin(s: SagaState, step: Step): SagaState {
  switch (step) {
    case 'RESERVE':
      return s.stock === 'NONE' ? { ...s, stock: 'UNKNOWN' } : s;
    case 'CHARGE':
      return s.payment === 'NONE' ? { ...s, payment: 'UNKNOWN' } : s;
    case 'COMMIT':
      return s.stock === 'RESERVED' ? { ...s, stock: 'COMMIT_UNKNOWN' } : s;
    default:
      return s;
  }
}

/**
 * StepOutcome is a step's answer, classified:
 * - done: the step happened (paymentId for CHARGE);
 * - refused: it did not happen and will not (a business failure; the saga
 *   compensates with failure as the reason);
 * - retry: transient or ambiguous; try again with the same idempotency key
 *   (not before retryAfterMs when the other service said so);
 * - not_captured: REFUND found that the unknown charge took nothing;
 * - committed: RELEASE found the reservation committed (it must be returned);
 * - active: RETURN found the reservation still active (it must be released).
 */
export type StepOutcome =
  | { kind: 'done'; paymentId?: string }
  | { kind: 'refused'; failure: Failure; paymentId?: string }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'not_captured'; paymentId?: string }
  | { kind: 'committed' }
  | { kind: 'active' };

/** SagaLimits bound the retries of the saga. */
export interface SagaLimits {
  /**
   * stepTimeoutMs is how long a forward step keeps being retried after its
   * first transient failure before the saga gives up and compensates: a
   * dependency that comes back within it (a restart, a failover) costs the
   * customer a delay, not the order.
   */
  stepTimeoutMs: number;
}

/** GAVE_UP is the failure of a checkout whose steps kept failing transiently. */
export const GAVE_UP: Failure = {
  message: 'We could not complete your order because a service did not answer in time. You have not been charged; please try again later.',
  code: 'UNSPECIFIED',
};

/**
 * applyOutcome records a step's outcome in the saga state it was run for
 * (read again under a lock, so a cancellation made meanwhile is kept):
 * facts (what was reserved, charged, committed, undone) are always
 * recorded; the phase changes only in FORWARD, where a refused step, or a
 * step still failing transiently when its time budget (counted from its
 * first failure, at `now`) has run out, starts compensation. A retry counts
 * an attempt.
 */
export function applyOutcome(s: SagaState, step: Step, outcome: StepOutcome, limits: SagaLimits, now = Date.now()): SagaState {
  // A compensation cannot be refused: it is retried until it succeeds.
  if (outcome.kind === 'refused' && !isForward(step)) return { ...s, attempts: s.attempts + 1, failingSince: s.failingSince ?? now };
  if (outcome.kind === 'retry') {
    const failed = { ...s, attempts: s.attempts + 1, failingSince: s.failingSince ?? now };
    if (s.phase === 'FORWARD' && isForward(step) && now - failed.failingSince >= limits.stepTimeoutMs) return compensate(failed, 'FAILED', GAVE_UP);
    return failed;
  }
  const next = moveOn(recordFact(s, step, outcome));
  if (outcome.kind === 'refused' && next.phase === 'FORWARD') return compensate(next, 'FAILED', outcome.failure);
  return next;
}

/** recordFact updates what the saga knows about stock and payment from a (non-retry) outcome. */
function recordFact(s: SagaState, step: Step, outcome: Exclude<StepOutcome, { kind: 'retry' }>): SagaState {
  const paymentId = ('paymentId' in outcome && outcome.paymentId) || s.paymentId;
  switch (step) {
    case 'RESERVE':
      return { ...s, stock: outcome.kind === 'done' ? 'RESERVED' : 'NONE' };
    case 'CHARGE':
      return { ...s, paymentId, payment: outcome.kind === 'done' ? 'CAPTURED' : 'NOT_CAPTURED' };
    case 'COMMIT':
      // A refused commit (the reservation expired) holds nothing any more.
      return { ...s, stock: outcome.kind === 'done' ? 'COMMITTED' : 'RELEASED' };
    case 'REFUND':
      return { ...s, paymentId, payment: outcome.kind === 'not_captured' ? 'NOT_CAPTURED' : 'REFUNDED' };
    case 'RELEASE':
      return { ...s, stock: outcome.kind === 'committed' ? 'COMMITTED' : 'RELEASED' };
    case 'RETURN':
      return { ...s, stock: outcome.kind === 'active' ? 'RESERVED' : 'RETURNED' };
  }
}

/** moveOn clears the retry bookkeeping of the step just left. */
function moveOn(s: SagaState): SagaState {
  const { failingSince: _, ...rest } = s;
  return { ...rest, attempts: 0 };
}

/** compensate turns the saga around: undo what was done, then end at goal. A failure already recorded is kept. */
export function compensate(s: SagaState, goal: 'FAILED' | 'CANCELLED', failure?: Failure): SagaState {
  return { ...moveOn(s), phase: 'COMPENSATING', goal, failure: s.failure ?? failure };
}

/**
 * requestCancel turns a running or confirmed saga towards CANCELLED: a
 * running one compensates at its next step boundary, a confirmed (DONE)
 * one refunds and returns its stock. It returns undefined for a saga that
 * ended FAILED or CANCELLED (nothing to cancel).
 */
export function requestCancel(s: SagaState): SagaState | undefined {
  if (s.phase === 'DONE' && s.outcome !== 'CONFIRMED') return undefined;
  return { ...moveOn(s), phase: 'COMPENSATING', goal: 'CANCELLED', outcome: undefined };
}

/** finish marks the saga DONE with its outcome. */
export function finish(s: SagaState, outcome: SagaOutcome): SagaState {
  return { ...moveOn(s), phase: 'DONE', outcome };
}

/**
 * needsPaymentToken tells whether the saga may still send Charge: forward
 * before the charge's outcome is known, or compensating a charge whose
 * outcome is unknown (REFUND first asks Charge again with the same key).
 * Once it is false the payment token is deleted.
 */
export function needsPaymentToken(s: SagaState): boolean {
  if (s.phase === 'FORWARD') return s.payment === 'NONE' || s.payment === 'UNKNOWN';
  if (s.phase === 'COMPENSATING') return s.payment === 'UNKNOWN';
  return false;
}
