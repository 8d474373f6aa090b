import { hashRequest, invalidArgument } from '@shop/kit';
import { checkId, checkUuid, Violations } from './field-checks';
import { checkAmount, type Amount } from './money';

/** MAX_TOKEN_LENGTH bounds payment_token; provider tokens are a few dozen characters. */
export const MAX_TOKEN_LENGTH = 256;

/** MAX_REASON_LENGTH bounds a refund's reason. */
export const MAX_REASON_LENGTH = 500;

const TOKEN = /^[\x21-\x7e]+$/;

function throwIfAny(violations: Violations): void {
  if (!violations.empty) throw invalidArgument(violations.list);
}

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

/** parseCharge validates Charge: a key, order and user ids, a positive amount and a token. */
export function parseCharge(req: {
  idempotencyKey: string;
  orderId: string;
  userId: string;
  amount?: { currencyCode: string; amountMinor: string } | undefined;
  paymentToken: string;
}): ChargeInput {
  const violations = new Violations();
  checkId(violations, 'idempotency_key', req.idempotencyKey);
  checkId(violations, 'order_id', req.orderId);
  checkId(violations, 'user_id', req.userId);
  const amount = checkAmount(violations, 'amount', req.amount);
  if (req.paymentToken === '') violations.add('payment_token', 'is required');
  else if (req.paymentToken.length > MAX_TOKEN_LENGTH || !TOKEN.test(req.paymentToken)) {
    violations.add('payment_token', `must be 1 to ${MAX_TOKEN_LENGTH} printable ASCII characters without spaces`);
  }
  throwIfAny(violations);
  const input = { idempotencyKey: req.idempotencyKey, orderId: req.orderId, userId: req.userId, currency: amount!.currency, amount: amount!.amount, token: req.paymentToken };
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

/** parseRefund validates Refund: a payment id, a key, an optional positive amount and a short reason. */
export function parseRefund(req: {
  paymentId: string;
  idempotencyKey: string;
  amount?: { currencyCode: string; amountMinor: string } | undefined;
  reason: string;
}): RefundInput {
  const violations = new Violations();
  checkUuid(violations, 'payment_id', req.paymentId);
  checkId(violations, 'idempotency_key', req.idempotencyKey);
  const amount = req.amount === undefined ? undefined : checkAmount(violations, 'amount', req.amount);
  if (req.reason.length > MAX_REASON_LENGTH) violations.add('reason', `must be at most ${MAX_REASON_LENGTH} characters`);
  throwIfAny(violations);
  const input = { paymentId: req.paymentId, idempotencyKey: req.idempotencyKey, amount, reason: req.reason };
  return { ...input, requestHash: hashRequest({ ...input, idempotencyKey: undefined }) };
}

/** parsePaymentId validates GetPayment's payment_id. */
/** parseChargeKey validates FindCharge's idempotency key, as Charge's. */
export function parseChargeKey(idempotencyKey: string): string {
  const violations = new Violations();
  checkId(violations, 'idempotency_key', idempotencyKey);
  throwIfAny(violations);
  return idempotencyKey;
}

export function parsePaymentId(paymentId: string): string {
  const violations = new Violations();
  checkUuid(violations, 'payment_id', paymentId);
  throwIfAny(violations);
  return paymentId;
}
