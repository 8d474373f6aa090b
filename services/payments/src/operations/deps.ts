import type { Database } from '@shop/kit';
import type { PaymentProvider } from '../provider/types';
import type { EventSink } from './payment-events';

/** ProviderPort is the provider as the operations use it: behind the breaker, which says how long it stays open. */
export interface ProviderPort extends PaymentProvider {
  /** retryAfterMs is how long until the breaker lets a call through again; 0 when it is not open. */
  retryAfterMs(): number;
}

/** PaymentsDeps are what the payment operations work with. */
export interface PaymentsDeps {
  db: Database;
  provider: ProviderPort;
  events: EventSink;
  /**
   * leaseMs is how long one caller owns a payment's provider call before
   * another may take over: longer than the calls it makes (findCharge and
   * charge, each bounded by the provider timeout), so a live caller is never
   * overtaken.
   */
  leaseMs: number;
}

/** TX_OPTIONS: every write runs at READ COMMITTED; correctness comes from row locks, conditional UPDATEs and unique indexes. */
export const TX_OPTIONS = { isolation: 'read committed' } as const;

/** DEFAULT_RETRY_MS is the RetryInfo delay after a provider failure while the breaker is closed. */
export const DEFAULT_RETRY_MS = 1_000;

/** retryDelayMs is the RetryInfo delay to send now: until the breaker half-opens, or DEFAULT_RETRY_MS. */
export function retryDelayMs(provider: ProviderPort): number {
  return Math.max(provider.retryAfterMs(), DEFAULT_RETRY_MS);
}

/** leaseFor is the lease matching a provider timeout: two calls (findCharge, charge) and a second of slack for the database. */
export function leaseFor(providerTimeoutMs: number): number {
  return 2 * providerTimeoutMs + 1_000;
}

/** sleep pauses for ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
