import { hashRequest } from '@shop/kit';
import { toAmount, type Amount } from './money';

// What a request may hold (key and id formats, a positive amount of at most
// 10^12 minor units in an ISO 4217 currency, the token's form, the reason's
// length) is the contract's (proto/shop/payments/v1, buf.validate), enforced
// by the runtime before a handler runs. What is left here is reading a valid
// request and hashing it, to tell a repeat from a reused key.

/** ChargeInput is a valid Charge request. */
export interface ChargeInput {
  idempotencyKey: string;
  orderId: string;
  userId: string;
  currency: string;
  amount: bigint;
  /** token goes to the provider and is never stored. */
  token: string;
  /** requestHash identifies the whole request, token included, to tell a repeat from a reused key. */
  requestHash: string;
}

/** chargeInput reads a valid Charge request. */
export function chargeInput(req: {
  idempotencyKey: string;
  orderId: string;
  userId: string;
  amount?: { currencyCode: string; amountMinor: bigint } | undefined;
  paymentToken: string;
}): ChargeInput {
  const amount = toAmount(req.amount!);
  const input = { idempotencyKey: req.idempotencyKey, orderId: req.orderId, userId: req.userId, currency: amount.currency, amount: amount.amount, token: req.paymentToken };
  return { ...input, requestHash: hashRequest({ ...input, idempotencyKey: undefined }) };
}

/** RefundInput is a valid Refund request; amount is undefined for "the rest". */
export interface RefundInput {
  paymentId: string;
  idempotencyKey: string;
  amount: Amount | undefined;
  reason: string;
  requestHash: string;
}

/** refundInput reads a valid Refund request. */
export function refundInput(req: {
  paymentId: string;
  idempotencyKey: string;
  amount?: { currencyCode: string; amountMinor: bigint } | undefined;
  reason: string;
}): RefundInput {
  const input = { paymentId: req.paymentId, idempotencyKey: req.idempotencyKey, amount: req.amount === undefined ? undefined : toAmount(req.amount), reason: req.reason };
  return { ...input, requestHash: hashRequest({ ...input, idempotencyKey: undefined }) };
}
