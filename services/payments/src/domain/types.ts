/** PaymentStateName is a payment's state as stored (PaymentState without its prefix). */
export type PaymentStateName = 'PENDING' | 'CAPTURED' | 'DECLINED' | 'FAILED' | 'PARTIALLY_REFUNDED' | 'REFUNDED';

/** RefundStateName is a refund's state as stored; only SUCCEEDED refunds are shown and counted. */
export type RefundStateName = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** RefundRecord is a stored refund. */
export interface RefundRecord {
  id: string;
  paymentId: string;
  idempotencyKey: string;
  requestHash: string;
  amount: bigint;
  reason: string;
  state: RefundStateName;
  providerReference: string;
  failureReason: string;
  attemptUntil: Date | null;
  createTime: Date;
  updateTime: Date;
}

/** PaymentRecord is a stored payment; refunds holds its SUCCEEDED refunds, oldest first, when they were read. */
export interface PaymentRecord {
  id: string;
  idempotencyKey: string;
  requestHash: string;
  orderId: string;
  userId: string;
  currency: string;
  /** amount and refunded are in the currency's minor unit. */
  amount: bigint;
  refunded: bigint;
  state: PaymentStateName;
  provider: string;
  providerReference: string;
  failureReason: string;
  attempts: number;
  /** attemptUntil is the lease of the provider call in progress, null when none is. */
  attemptUntil: Date | null;
  createTime: Date;
  updateTime: Date;
  refunds: RefundRecord[];
}
