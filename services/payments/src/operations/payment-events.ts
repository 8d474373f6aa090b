import type { Queryable } from '@shop/kit';
import type { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import type { PaymentRecord, RefundRecord } from '../domain/types';

/** PaymentEvent is one domain event to write with the change that caused it; subject is the payment id. */
export interface PaymentEvent {
  subject: string;
  payload: NonNullable<EventEnvelope['payload']>;
}

/**
 * EventSink writes events through tx, the transaction of the change they
 * describe, so they exist exactly when the change commits. service.ts
 * passes the kit's outbox (appendEvents); noEvents drops them.
 */
export type EventSink = (tx: Queryable, events: PaymentEvent[]) => Promise<void>;

/** noEvents is the sink for tests and tools that do not publish. */
export const noEvents: EventSink = async () => undefined;

function money(currency: string, amount: bigint) {
  return { currencyCode: currency, amountMinor: amount };
}

/** capturedEvent is shop.events.v1.PaymentCaptured for a payment that was just captured. */
export function capturedEvent(p: PaymentRecord): PaymentEvent {
  return {
    subject: p.id,
    payload: {
      $case: 'paymentCaptured',
      value: { paymentId: p.id, orderId: p.orderId, userId: p.userId, amount: money(p.currency, p.amount), provider: p.provider, providerReference: p.providerReference },
    },
  };
}

/** declinedEvent is shop.events.v1.PaymentDeclined for a payment that was just declined. */
export function declinedEvent(p: PaymentRecord): PaymentEvent {
  return {
    subject: p.id,
    payload: {
      $case: 'paymentDeclined',
      value: { paymentId: p.id, orderId: p.orderId, userId: p.userId, amount: money(p.currency, p.amount), reason: p.failureReason },
    },
  };
}

/** refundedEvent is shop.events.v1.PaymentRefunded for a refund that just succeeded; p is the payment after it. */
export function refundedEvent(p: PaymentRecord, r: RefundRecord): PaymentEvent {
  return {
    subject: p.id,
    payload: {
      $case: 'paymentRefunded',
      value: {
        paymentId: p.id,
        refundId: r.id,
        orderId: p.orderId,
        userId: p.userId,
        amount: money(p.currency, r.amount),
        refundedAmount: money(p.currency, p.refunded),
        fullyRefunded: p.state === 'REFUNDED',
        reason: r.reason,
      },
    },
  };
}
