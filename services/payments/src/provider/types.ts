/**
 * The payment provider port: what the payments service needs from whoever
 * actually moves money. Every call that can move money carries the caller's
 * idempotency key, so repeating it after a lost answer never moves money twice.
 */

/** ProviderChargeRequest asks the provider to take amount from the customer's payment method. */
export interface ProviderChargeRequest {
  /** idempotencyKey is the payment's key; the provider answers a repeat with the first outcome. */
  idempotencyKey: string;
  /** amount is in the currency's minor unit, positive. */
  amount: bigint;
  /** currency is the ISO 4217 code, for example "EUR". */
  currency: string;
  /** token is the opaque payment method token the customer sent. */
  token: string;
  orderId: string;
}

/** ProviderCharge is a charge the provider decided on: captured, or declined by the card issuer. */
export type ProviderCharge =
  | { status: 'captured'; providerChargeId: string }
  | {
      status: 'declined';
      /** providerChargeId is the provider's id of the failed charge ('' when it gave none). */
      providerChargeId: string;
      /** declineCode is the provider's machine-readable code, for example "card_declined". */
      declineCode: string;
    };

/** FoundCharge is what findCharge learns: a decided charge, one the provider is still working on, or nothing at all. */
export type FoundCharge = ProviderCharge | { status: 'pending' } | { status: 'not_found' };

/** ProviderRefundRequest asks the provider to give back amount of a captured charge. */
export interface ProviderRefundRequest {
  idempotencyKey: string;
  providerChargeId: string;
  amount: bigint;
}

/** ProviderRefund is a refund the provider made. */
export interface ProviderRefund {
  providerRefundId: string;
}

/** CallOptions are per-call options; signal aborts the call (the breaker's timeout uses it). */
export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * PaymentProvider is the port every provider adapter implements. A decline
 * is an answer, not an error; anything that keeps the provider from
 * answering throws ProviderError.
 */
export interface PaymentProvider {
  /** name is stored on each payment, for example "simulated". */
  readonly name: string;
  charge(request: ProviderChargeRequest, options?: CallOptions): Promise<ProviderCharge>;
  refund(request: ProviderRefundRequest, options?: CallOptions): Promise<ProviderRefund>;
  /** findCharge looks a charge up by the idempotency key it was made with, for reconciliation. */
  findCharge(idempotencyKey: string, options?: CallOptions): Promise<FoundCharge>;
}

/**
 * ProviderErrorKind says what went wrong:
 * - timeout: no answer in time;
 * - network: no HTTP answer (refused, reset, closed);
 * - server: the provider answered 5xx;
 * - bad_response: an answer that could not be read (not JSON, unexpected shape, too large);
 * - unauthorized: the provider refused our credentials (401/403);
 * - rejected: the provider refused the request itself (other 4xx);
 * - in_progress: the provider is still working on a request with this key (409);
 * - breaker_open: the circuit breaker is open, nothing was sent.
 */
export type ProviderErrorKind = 'timeout' | 'network' | 'server' | 'bad_response' | 'unauthorized' | 'rejected' | 'in_progress' | 'breaker_open';

/**
 * ProviderError is every failure to get an answer from the provider.
 * `ambiguous` is the one fact the ledger needs: true when the provider may
 * have acted on the request (a timeout after sending, a dropped connection,
 * an unreadable answer), false when it certainly did not (refused
 * connection, an explicit error answer, an open breaker).
 */
export class ProviderError extends Error {
  /** status is the HTTP status the provider answered with, when it answered. */
  readonly status: number | undefined;

  constructor(
    readonly kind: ProviderErrorKind,
    readonly ambiguous: boolean,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.status = options?.status;
  }
}

/** isProviderError tells a ProviderError from anything else thrown. */
export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}
