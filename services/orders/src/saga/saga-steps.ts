import type { MeshClient } from '@shop/kit';
import { ShopError } from '@shop/sdk/lib/errors';
import type { InventoryServiceDefinition } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { PaymentState } from '@shop/sdk/ts/shop/payments/v1/payment';
import type { PaymentServiceDefinition } from '@shop/sdk/ts/shop/payments/v1/payment_service';
import type { SagaState, Step, StepOutcome } from '../domain/saga';
import {
  classifyCharge,
  classifyCharged,
  classifyCommit,
  classifyRefund,
  classifyRelease,
  classifyReserve,
  classifyReturn,
  Failures,
  type CallFailure,
} from '../domain/step-outcomes';
import type { OrderRecord } from '../domain/types';
import { durationFromMs } from '@shop/sdk/lib/time';

/** The idempotency keys every saga call carries, derived from the order id (agreed with inventory and payments). */
export const sagaKeys = {
  reservationId: (orderId: string) => `order-${orderId}`,
  charge: (orderId: string) => `order-${orderId}-charge`,
  refund: (orderId: string) => `order-${orderId}-refund`,
};

/** StepInput is what a step needs: the order, its saga state and the payment token (while kept). */
export interface StepInput {
  order: OrderRecord;
  saga: SagaState;
  paymentToken: string | undefined;
}

/** SagaSteps performs a step's remote call and classifies its answer. It never throws. */
export interface SagaSteps {
  run(step: Step, input: StepInput, signal: AbortSignal): Promise<StepOutcome>;
}

/** SagaStepsDeps are the clients the steps call and their settings. */
export interface SagaStepsDeps {
  inventory: Pick<MeshClient<typeof InventoryServiceDefinition>, 'reserveStock' | 'commitReservation' | 'releaseReservation' | 'returnReservation'>;
  payments: Pick<MeshClient<typeof PaymentServiceDefinition>, 'charge' | 'refund' | 'findCharge'>;
  reservationTtlMs: number;
  callTimeoutMs: number;
}

/** toCallFailure reads what the classifiers need from anything a call threw; a non-ShopError (a bug, an abort) counts as UNKNOWN: retried. */
export function toCallFailure(err: unknown): CallFailure {
  if (!(err instanceof ShopError)) {
    return { code: 2, reason: '', message: err instanceof Error ? err.message : String(err), metadata: {}, preconditionSubjects: [], resourceName: '' };
  }
  const delay = err.errorDetails.retryInfo?.retryDelay;
  return {
    code: err.code,
    reason: err.reason,
    message: err.details,
    metadata: err.errorDetails.errorInfo?.metadata ?? {},
    preconditionSubjects: err.errorDetails.preconditionFailure?.violations.map((v) => v.subject) ?? [],
    resourceName: err.errorDetails.resourceInfo?.resourceName ?? '',
    ...(delay ? { retryAfterMs: Number(delay.seconds) * 1000 + Math.ceil(delay.nanos / 1e6) } : {}),
  };
}

/**
 * createSagaSteps implements the saga's steps against inventory and
 * payments. Every call carries the idempotency key of its step (sagaKeys),
 * so running a step again after a lost answer or a crash has no second
 * effect: the same reservation, the same payment, the same refund.
 */
export function createSagaSteps(deps: SagaStepsDeps): SagaSteps {
  const { inventory, payments } = deps;

  async function call<T>(fn: () => Promise<T>, onOk: (value: T) => StepOutcome, onError: (f: CallFailure) => StepOutcome): Promise<StepOutcome> {
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      return onError(toCallFailure(err));
    }
    return onOk(value);
  }

  /**
   * chargeWithoutToken runs where the token is not held (a replica that
   * recovers another's checkout, a restart): nothing can be sent, so
   * payments is asked what happened under the charge's key. Nothing (NOT_FOUND,
   * or a FAILED attempt that took nothing) fails the order with nothing
   * charged; a captured payment completes the step; a declined one is the
   * decline; a pending one is settled by payments' reconciler: ask again.
   */
  function chargeWithoutToken(order: OrderRecord, signal: AbortSignal): Promise<StepOutcome> {
    return call(
      () => payments.findCharge({ idempotencyKey: sagaKeys.charge(order.id) }, { deadline: deps.callTimeoutMs, signal }),
      (r): StepOutcome => {
        const state = r.payment?.state;
        if (state === PaymentState.PAYMENT_STATE_DECLINED) return { kind: 'refused', failure: Failures.declined, paymentId: r.payment?.id ?? '' };
        if (state === PaymentState.PAYMENT_STATE_FAILED) return { kind: 'refused', failure: Failures.paymentFailed };
        return classifyCharged({ id: r.payment?.id ?? '', captured: isCaptured(state) });
      },
      (failure): StepOutcome => (failure.code === 5 ? { kind: 'refused', failure: Failures.paymentFailed } : { kind: 'retry', error: failure.message }),
    );
  }

  function charge({ order, paymentToken }: StepInput, signal: AbortSignal): Promise<StepOutcome> {
    if (paymentToken === undefined) return chargeWithoutToken(order, signal);
    return call(
      () =>
        payments.charge(
          {
            idempotencyKey: sagaKeys.charge(order.id),
            orderId: order.id,
            userId: order.userId,
            amount: { currencyCode: order.currencyCode, amountMinor: order.totalMinor },
            paymentToken,
          },
          { deadline: deps.callTimeoutMs, signal },
        ),
      (r) => classifyCharged({ id: r.payment?.id ?? '', captured: isCaptured(r.payment?.state) }),
      classifyCharge,
    );
  }

  async function refund(input: StepInput, signal: AbortSignal): Promise<StepOutcome> {
    let paymentId = input.saga.paymentId;
    if (input.saga.payment === 'UNKNOWN') {
      // The charge's answer was lost: ask again with the same key (payments
      // answers a known key with its payment, reconciling with the provider
      // first) to learn whether anything was taken.
      const known = await charge(input, signal);
      if (known.kind === 'retry') return known;
      if (known.kind !== 'done') return { kind: 'not_captured', ...('paymentId' in known && known.paymentId ? { paymentId: known.paymentId } : {}) };
      paymentId = known.paymentId ?? '';
    }
    const reason = input.saga.goal === 'CANCELLED' ? 'order cancelled' : `checkout failed: ${input.saga.failure?.message ?? 'unknown reason'}`;
    return call(
      () => payments.refund({ paymentId, idempotencyKey: sagaKeys.refund(input.order.id), reason: reason.slice(0, 500) }, { deadline: deps.callTimeoutMs, signal }),
      () => ({ kind: 'done', paymentId }),
      classifyRefund,
    );
  }

  return {
    run(step, input, signal) {
      const reservationId = sagaKeys.reservationId(input.order.id);
      const options = { deadline: deps.callTimeoutMs, signal };
      switch (step) {
        case 'RESERVE':
          return call(
            () =>
              inventory.reserveStock(
                {
                  reservationId,
                  orderId: input.order.id,
                  items: input.order.items.map((line) => ({ sku: line.sku, quantity: line.quantity })),
                  ttl: durationFromMs(Math.ceil(deps.reservationTtlMs / 1000) * 1000),
                },
                options,
              ),
            () => ({ kind: 'done' }),
            (f) => classifyReserve(f, new Map(input.order.items.map((line) => [line.sku, line.name]))),
          );
        case 'CHARGE':
          return charge(input, signal);
        case 'COMMIT':
          return call(() => inventory.commitReservation({ reservationId }, options), () => ({ kind: 'done' }), classifyCommit);
        case 'REFUND':
          return refund(input, signal);
        case 'RELEASE':
          return call(
            () => inventory.releaseReservation({ reservationId, reason: releaseReason(input.saga) }, options),
            () => ({ kind: 'done' }),
            classifyRelease,
          );
        case 'RETURN':
          return call(() => inventory.returnReservation({ reservationId, reason: releaseReason(input.saga) }, options), () => ({ kind: 'done' }), classifyReturn);
      }
    },
  };
}

/**
 * isCaptured tells whether a payment took the money: CAPTURED, or refunded
 * since (a repeated Charge after the saga's own refund answers REFUNDED,
 * and the refund is then repeated with its key, which gives nothing more).
 */
function isCaptured(state: PaymentState | undefined): boolean {
  return (
    state === PaymentState.PAYMENT_STATE_CAPTURED ||
    state === PaymentState.PAYMENT_STATE_PARTIALLY_REFUNDED ||
    state === PaymentState.PAYMENT_STATE_REFUNDED
  );
}

function releaseReason(saga: SagaState): string {
  return saga.goal === 'CANCELLED' ? 'order cancelled' : `checkout failed${saga.failure ? `: ${saga.failure.code.toLowerCase()}` : ''}`;
}
