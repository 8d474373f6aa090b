import type { DeepPartial } from '@shop/kit';
import { PaymentState, type Payment, type Refund } from '@shop/sdk/ts/shop/payments/v1/payment';
import type { PaymentRecord, PaymentStateName, RefundRecord } from '../domain/types';

const STATES: Record<PaymentStateName, PaymentState> = {
  PENDING: PaymentState.PAYMENT_STATE_PENDING,
  CAPTURED: PaymentState.PAYMENT_STATE_CAPTURED,
  DECLINED: PaymentState.PAYMENT_STATE_DECLINED,
  FAILED: PaymentState.PAYMENT_STATE_FAILED,
  PARTIALLY_REFUNDED: PaymentState.PAYMENT_STATE_PARTIALLY_REFUNDED,
  REFUNDED: PaymentState.PAYMENT_STATE_REFUNDED,
};

function money(currency: string, amount: bigint) {
  return { currencyCode: currency, amountMinor: amount };
}

/** toRefund maps a succeeded refund to shop.payments.v1.Refund. */
export function toRefund(r: RefundRecord, currency: string): DeepPartial<Refund> {
  return {
    id: r.id,
    paymentId: r.paymentId,
    amount: money(currency, r.amount),
    reason: r.reason,
    providerReference: r.providerReference,
    createTime: r.createTime,
  };
}

/** toPayment maps a payment to shop.payments.v1.Payment; failure_reason only for DECLINED and FAILED, as the contract says. */
export function toPayment(p: PaymentRecord): DeepPartial<Payment> {
  return {
    id: p.id,
    orderId: p.orderId,
    userId: p.userId,
    amount: money(p.currency, p.amount),
    refundedAmount: money(p.currency, p.refunded),
    state: STATES[p.state],
    provider: p.provider,
    providerReference: p.providerReference,
    failureReason: p.state === 'DECLINED' || p.state === 'FAILED' ? p.failureReason : '',
    refunds: p.refunds.filter((r) => r.state === 'SUCCEEDED').map((r) => toRefund(r, p.currency)),
    createTime: p.createTime,
    updateTime: p.updateTime,
  };
}
