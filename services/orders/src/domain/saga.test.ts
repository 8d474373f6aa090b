import {
  applyOutcome,
  begin,
  compensate,
  finish,
  GAVE_UP,
  initialSaga,
  needsPaymentToken,
  nextAction,
  requestCancel,
  type SagaState,
  type Step,
  type StepOutcome,
} from './saga';
import { Failures } from './step-outcomes';

const limits = { stepTimeoutMs: 25_000 };
/** STEP_MS is how far the clock moves per step in runSaga. */
const STEP_MS = 10_000;
const done: StepOutcome = { kind: 'done' };
const retry: StepOutcome = { kind: 'retry', error: '14 : unavailable' };

/** runSaga feeds outcomes to the machine as the runner would: begin, then apply, until it finishes; it returns the steps run and the end. */
function runSaga(start: SagaState, outcomes: (step: Step, s: SagaState) => StepOutcome): { steps: Step[]; state: SagaState; outcome: string } {
  let state = start;
  const steps: Step[] = [];
  let now = 1_000_000;
  for (let i = 0; i < 50; i++) {
    now += STEP_MS;
    const action = nextAction(state);
    if (action.kind === 'none') return { steps, state, outcome: 'none' };
    if (action.kind === 'finish') return { steps, state: finish(state, action.outcome), outcome: action.outcome };
    steps.push(action.step);
    state = begin(state, action.step);
    state = applyOutcome(state, action.step, outcomes(action.step, state), limits, now);
  }
  throw new Error(`the saga did not finish: ${steps.join(' ')}`);
}

describe('nextAction', () => {
  it('runs RESERVE, CHARGE and COMMIT in order and then confirms', () => {
    const { steps, outcome, state } = runSaga(initialSaga(), (step) => (step === 'CHARGE' ? { kind: 'done', paymentId: 'pay-1' } : done));
    expect(steps).toEqual(['RESERVE', 'CHARGE', 'COMMIT']);
    expect(outcome).toBe('CONFIRMED');
    expect(state).toMatchObject({ phase: 'DONE', outcome: 'CONFIRMED', stock: 'COMMITTED', payment: 'CAPTURED', paymentId: 'pay-1' });
  });

  it('runs a step whose answer was lost again: a begun step is not a done step', () => {
    expect(nextAction(begin(initialSaga(), 'RESERVE'))).toEqual({ kind: 'run', step: 'RESERVE' });
    const reserved: SagaState = { ...initialSaga(), stock: 'RESERVED' };
    expect(nextAction(begin(reserved, 'CHARGE'))).toEqual({ kind: 'run', step: 'CHARGE' });
    const charged: SagaState = { ...reserved, payment: 'CAPTURED' };
    expect(nextAction(begin(charged, 'COMMIT'))).toEqual({ kind: 'run', step: 'COMMIT' });
  });

  it('compensates newest first: refund, then release, then ends at the goal', () => {
    const s = compensate({ ...initialSaga(), stock: 'RESERVED', payment: 'CAPTURED', paymentId: 'p' }, 'FAILED', Failures.reservationExpired);
    expect(nextAction(s)).toEqual({ kind: 'run', step: 'REFUND' });
    const refunded = applyOutcome(s, 'REFUND', done, limits);
    expect(nextAction(refunded)).toEqual({ kind: 'run', step: 'RELEASE' });
    const released = applyOutcome(refunded, 'RELEASE', done, limits);
    expect(nextAction(released)).toEqual({ kind: 'finish', outcome: 'FAILED' });
  });

  it('returns committed stock instead of releasing it, and has nothing to do once DONE', () => {
    const s = compensate({ ...initialSaga(), stock: 'COMMITTED', payment: 'REFUNDED' }, 'CANCELLED');
    expect(nextAction(s)).toEqual({ kind: 'run', step: 'RETURN' });
    expect(nextAction(finish(s, 'CANCELLED'))).toEqual({ kind: 'none' });
  });
});

describe('failures during the checkout', () => {
  it('fails an out-of-stock order without any compensation', () => {
    const { steps, outcome, state } = runSaga(initialSaga(), () => ({ kind: 'refused', failure: Failures.outOfStock(['Mug']) }));
    expect(steps).toEqual(['RESERVE']);
    expect(outcome).toBe('FAILED');
    expect(state.failure).toEqual({ message: 'Some items are out of stock: Mug.', code: 'INSUFFICIENT_STOCK' });
  });

  it('releases the stock of a declined order and never refunds a charge that took nothing', () => {
    const { steps, outcome, state } = runSaga(initialSaga(), (step) =>
      step === 'CHARGE' ? { kind: 'refused', failure: Failures.declined, paymentId: 'pay-9' } : done,
    );
    expect(steps).toEqual(['RESERVE', 'CHARGE', 'RELEASE']);
    expect(outcome).toBe('FAILED');
    expect(state).toMatchObject({ payment: 'NOT_CAPTURED', paymentId: 'pay-9', stock: 'RELEASED', failure: Failures.declined });
  });

  it('refunds and ends FAILED when the reservation expired before the commit', () => {
    const { steps, outcome, state } = runSaga(initialSaga(), (step) => {
      if (step === 'COMMIT') return { kind: 'refused', failure: Failures.reservationExpired };
      return step === 'CHARGE' ? { kind: 'done', paymentId: 'p' } : done;
    });
    expect(steps).toEqual(['RESERVE', 'CHARGE', 'COMMIT', 'REFUND']);
    expect(outcome).toBe('FAILED');
    expect(state).toMatchObject({ payment: 'REFUNDED', stock: 'RELEASED', failure: { code: 'RESERVATION_EXPIRED' } });
  });

  it('gives up a forward step still failing transiently when its time budget has run out, and compensates what may have happened', () => {
    const { steps, outcome, state } = runSaga(initialSaga(), (step, s) => (step === 'CHARGE' && s.phase === 'FORWARD' ? retry : done));
    // Ten seconds per try, 25 s of budget from the first failure: the fourth failed charge (30 s after the first) gives up.
    // The charge's outcome is unknown: REFUND settles it (asking Charge again) before the stock is released.
    expect(steps).toEqual(['RESERVE', 'CHARGE', 'CHARGE', 'CHARGE', 'CHARGE', 'REFUND', 'RELEASE']);
    expect(outcome).toBe('FAILED');
    expect(state.failure).toEqual(GAVE_UP);
  });

  it('counts attempts per step from its first failure and resets them when a step succeeds', () => {
    let s = begin(initialSaga(), 'RESERVE');
    s = applyOutcome(s, 'RESERVE', retry, limits, 1_000);
    s = applyOutcome(s, 'RESERVE', retry, limits, 5_000);
    expect(s).toMatchObject({ phase: 'FORWARD', attempts: 2, failingSince: 1_000, stock: 'UNKNOWN' });
    s = applyOutcome(s, 'RESERVE', done, limits, 6_000);
    expect(s).toMatchObject({ attempts: 0, stock: 'RESERVED' });
    expect(s.failingSince).toBeUndefined();
  });

  it('keeps retrying a forward step however many attempts fail, as long as the budget lasts', () => {
    let s = begin(initialSaga(), 'RESERVE');
    for (let t = 0; t < 25_000; t += 100) s = applyOutcome(s, 'RESERVE', retry, limits, 1_000 + t);
    expect(s).toMatchObject({ phase: 'FORWARD', attempts: 250, stock: 'UNKNOWN' });
    // The budget is measured from the first failure, not from the last success of another step.
    s = applyOutcome(s, 'RESERVE', retry, limits, 1_000 + 25_000);
    expect(s).toMatchObject({ phase: 'COMPENSATING', goal: 'FAILED', failure: GAVE_UP, attempts: 0 });
  });

  it('gives each step its own budget: a slow first step does not shorten the next', () => {
    let s = begin(initialSaga(), 'RESERVE');
    s = applyOutcome(s, 'RESERVE', retry, limits, 0);
    s = applyOutcome(s, 'RESERVE', done, limits, 24_000);
    s = applyOutcome(begin(s, 'CHARGE'), 'CHARGE', retry, limits, 30_000);
    s = applyOutcome(s, 'CHARGE', retry, limits, 54_000);
    expect(s).toMatchObject({ phase: 'FORWARD', payment: 'UNKNOWN', attempts: 2, failingSince: 30_000 });
  });

  it('fails a business refusal at once, with no retry and no budget spent', () => {
    const s = applyOutcome(begin(initialSaga(), 'RESERVE'), 'RESERVE', { kind: 'refused', failure: Failures.outOfStock(['Mug']) }, limits, 0);
    expect(s).toMatchObject({ phase: 'COMPENSATING', goal: 'FAILED', stock: 'NONE', failure: { code: 'INSUFFICIENT_STOCK' } });
  });

  it('never gives a compensation up: it keeps counting attempts and stays on the step', () => {
    let s = compensate({ ...initialSaga(), stock: 'RESERVED' }, 'FAILED', Failures.declined);
    for (let i = 0; i < 10; i++) s = applyOutcome(s, 'RELEASE', retry, limits);
    expect(s).toMatchObject({ phase: 'COMPENSATING', attempts: 10 });
    expect(nextAction(s)).toEqual({ kind: 'run', step: 'RELEASE' });
    // A compensation cannot be refused either.
    s = applyOutcome(s, 'RELEASE', { kind: 'refused', failure: Failures.notCompleted }, limits);
    expect(nextAction(s)).toEqual({ kind: 'run', step: 'RELEASE' });
  });

  it('switches between release and return when inventory says the reservation is in the other state', () => {
    const unknownCommit = compensate({ ...initialSaga(), stock: 'COMMIT_UNKNOWN', payment: 'REFUNDED' }, 'FAILED', GAVE_UP);
    expect(nextAction(unknownCommit)).toEqual({ kind: 'run', step: 'RELEASE' });
    const committed = applyOutcome(unknownCommit, 'RELEASE', { kind: 'committed' }, limits);
    expect(nextAction(committed)).toEqual({ kind: 'run', step: 'RETURN' });
    const active = applyOutcome(compensate({ ...initialSaga(), stock: 'COMMITTED' }, 'CANCELLED'), 'RETURN', { kind: 'active' }, limits);
    expect(nextAction(active)).toEqual({ kind: 'run', step: 'RELEASE' });
  });

  it('records that an unknown charge took nothing when REFUND finds it not captured', () => {
    const s = compensate({ ...initialSaga(), stock: 'RESERVED', payment: 'UNKNOWN' }, 'FAILED', GAVE_UP);
    const settled = applyOutcome(s, 'REFUND', { kind: 'not_captured', paymentId: 'p-2' }, limits);
    expect(settled).toMatchObject({ payment: 'NOT_CAPTURED', paymentId: 'p-2' });
    expect(nextAction(settled)).toEqual({ kind: 'run', step: 'RELEASE' });
  });
});

describe('cancellation', () => {
  it('turns a running saga around at its next step boundary and keeps what the step in flight did', () => {
    const charging = begin({ ...initialSaga(), stock: 'RESERVED' }, 'CHARGE');
    const cancelled = requestCancel(charging)!;
    expect(cancelled).toMatchObject({ phase: 'COMPENSATING', goal: 'CANCELLED', payment: 'UNKNOWN' });
    // The charge that was in flight answers after the cancellation: it is recorded, then undone.
    const after = applyOutcome(cancelled, 'CHARGE', { kind: 'done', paymentId: 'p' }, limits);
    expect(after).toMatchObject({ phase: 'COMPENSATING', payment: 'CAPTURED' });
    const { steps, outcome } = runSaga(after, () => done);
    expect(steps).toEqual(['REFUND', 'RELEASE']);
    expect(outcome).toBe('CANCELLED');
  });

  it('refunds and returns the stock of a confirmed order', () => {
    const confirmed = runSaga(initialSaga(), (step) => (step === 'CHARGE' ? { kind: 'done', paymentId: 'p' } : done)).state;
    const { steps, outcome } = runSaga(requestCancel(confirmed)!, () => done);
    expect(steps).toEqual(['REFUND', 'RETURN']);
    expect(outcome).toBe('CANCELLED');
  });

  it('cancels a failing checkout towards CANCELLED and keeps its failure', () => {
    const failing = compensate({ ...initialSaga(), stock: 'RESERVED' }, 'FAILED', Failures.declined);
    expect(requestCancel(failing)).toMatchObject({ goal: 'CANCELLED', failure: Failures.declined });
  });

  it('has nothing to cancel once the saga ended FAILED or CANCELLED', () => {
    expect(requestCancel(finish(compensate(initialSaga(), 'FAILED'), 'FAILED'))).toBeUndefined();
    expect(requestCancel(finish(compensate(initialSaga(), 'CANCELLED'), 'CANCELLED'))).toBeUndefined();
  });
});

describe('needsPaymentToken', () => {
  it('keeps the token only while a Charge may still be sent', () => {
    expect(needsPaymentToken(initialSaga())).toBe(true);
    expect(needsPaymentToken({ ...initialSaga(), payment: 'UNKNOWN' })).toBe(true);
    expect(needsPaymentToken({ ...initialSaga(), payment: 'CAPTURED' })).toBe(false);
    expect(needsPaymentToken(compensate({ ...initialSaga(), payment: 'UNKNOWN' }, 'FAILED'))).toBe(true);
    expect(needsPaymentToken(compensate({ ...initialSaga(), payment: 'NONE' }, 'FAILED'))).toBe(false);
    expect(needsPaymentToken(finish(initialSaga(), 'FAILED'))).toBe(false);
  });
});
