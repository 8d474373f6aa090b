import type { Queryable } from '@shop/kit';
import { applyOutcome, begin, finish, nextAction, type SagaLimits, type SagaOutcome, type SagaState, type Step, type StepOutcome } from '../domain/saga';
import type { OrderRecord } from '../domain/types';
import { emit } from '../events/emit';
import { orderConfirmed, orderFailed } from '../events/order-events';
import { findOrder, updateOrder } from '../store/order-repo';
import { appendLog, lockSaga, saveSaga, type SagaRow } from '../store/saga-repo';

/**
 * The saga's transactions: each locks the order's saga row, checks that the
 * caller still holds the lease, reads the state as stored (which may have
 * been changed by CancelOrder meanwhile) and moves it on. A process that
 * lost its lease gets 'lost' and stops without writing.
 */

/** Next is what startNext decided: a step was marked started, the saga finished, there is nothing to do, or the lease is lost. */
export type Next =
  | { kind: 'step'; step: Step; saga: SagaRow }
  | { kind: 'finished'; outcome: SagaOutcome; order: OrderRecord | undefined }
  | { kind: 'idle' }
  | { kind: 'lost' };

/**
 * startNext decides the saga's next action from its stored state. A step is
 * marked started (begin) and logged before its remote call, so a crash from
 * here on leaves a record that the step may have happened. A finished saga
 * is ended in the same transaction: the order becomes CONFIRMED or FAILED
 * (a cancelled order already is CANCELLED) with its event, and the saga DONE.
 */
export async function startNext(tx: Queryable, orderId: string, owner: string): Promise<Next> {
  const saga = await lockSaga(tx, orderId);
  if (saga === undefined || saga.leaseOwner !== owner) return { kind: 'lost' };
  const action = nextAction(saga.state);
  if (action.kind === 'none') return { kind: 'idle' };
  if (action.kind === 'finish') {
    const order = await finishOrder(tx, orderId, saga.state, action.outcome);
    await saveSaga(tx, orderId, finish(saga.state, action.outcome));
    await appendLog(tx, { orderId, step: 'SAGA', event: 'finished', detail: action.outcome, owner });
    return { kind: 'finished', outcome: action.outcome, order };
  }
  const state = begin(saga.state, action.step);
  await saveSaga(tx, orderId, state);
  await appendLog(tx, { orderId, step: action.step, event: 'started', detail: saga.state.attempts > 0 ? `attempt ${saga.state.attempts + 1}` : '', owner });
  return { kind: 'step', step: action.step, saga: { ...saga, state } };
}

/** Recorded is the saga after a step's outcome was stored, and the order if it changed (a new payment id). */
export type Recorded = { kind: 'recorded'; saga: SagaState; order: OrderRecord | undefined } | { kind: 'lost' };

/**
 * recordOutcome stores a step's outcome (applyOutcome on the stored state)
 * and logs it. A payment id learnt from the charge is copied onto the
 * order.
 */
export async function recordOutcome(tx: Queryable, orderId: string, owner: string, step: Step, outcome: StepOutcome, limits: SagaLimits): Promise<Recorded> {
  const saga = await lockSaga(tx, orderId);
  if (saga === undefined || saga.leaseOwner !== owner) return { kind: 'lost' };
  const state = applyOutcome(saga.state, step, outcome, limits);
  await saveSaga(tx, orderId, state);
  await appendLog(tx, { orderId, step, event: logEvent(outcome), detail: describe(outcome, saga.state, state), owner });
  let order: OrderRecord | undefined;
  if (state.paymentId !== '') {
    const current = await findOrder(tx, orderId, { lock: true });
    if (current && current.paymentId !== state.paymentId) order = await updateOrder(tx, current, { paymentId: state.paymentId });
  }
  return { kind: 'recorded', saga: state, order };
}

async function finishOrder(tx: Queryable, orderId: string, saga: SagaState, outcome: SagaOutcome): Promise<OrderRecord | undefined> {
  const order = await findOrder(tx, orderId, { lock: true });
  // The order leaves PENDING only here or by CancelOrder (which sets CANCELLED itself).
  if (order === undefined || order.state !== 'PENDING') return undefined;
  switch (outcome) {
    case 'CONFIRMED': {
      const confirmed = await updateOrder(tx, order, { state: 'CONFIRMED', paymentId: saga.paymentId });
      await emit(tx, orderConfirmed(confirmed));
      return confirmed;
    }
    case 'FAILED': {
      const failure = saga.failure ?? { message: 'Your order could not be completed.', code: 'UNSPECIFIED' as const };
      const failed = await updateOrder(tx, order, { state: 'FAILED', failureReason: failure.message });
      await emit(tx, orderFailed(failed, failure.code));
      return failed;
    }
    case 'CANCELLED':
      return updateOrder(tx, order, { state: 'CANCELLED', failureReason: order.failureReason || 'The order was cancelled.' });
  }
}

function logEvent(outcome: StepOutcome): 'succeeded' | 'failed' | 'retry' {
  if (outcome.kind === 'retry') return 'retry';
  return outcome.kind === 'refused' ? 'failed' : 'succeeded';
}

function describe(outcome: StepOutcome, before: SagaState, after: SagaState): string {
  const turn = before.phase !== after.phase ? ` -> ${after.phase}` : '';
  switch (outcome.kind) {
    case 'retry':
      return `${outcome.error} (attempt ${after.attempts})${turn}`;
    case 'refused':
      return `${outcome.failure.code}: ${outcome.failure.message}${turn}`;
    default:
      return `${outcome.kind}${turn}`;
  }
}
