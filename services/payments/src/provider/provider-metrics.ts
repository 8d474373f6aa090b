import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProviderErrorKind } from './types';

/** BreakerStateName is the circuit breaker's state as logged and exported. */
export type BreakerStateName = 'closed' | 'half_open' | 'open';

/** BREAKER_STATE_VALUE is the value of shop_payment_provider_breaker_state for each state. */
export const BREAKER_STATE_VALUE: Record<BreakerStateName, number> = { closed: 0, half_open: 1, open: 2 };

/** ProviderOperation names a provider call in metrics. */
export type ProviderOperation = 'charge' | 'refund' | 'find_charge';

/** ProviderOutcome is how a provider call ended: an answer (success or declined) or the kind of failure. */
export type ProviderOutcome = 'success' | 'declined' | ProviderErrorKind | 'error';

/** ProviderMetrics records provider calls. */
export interface ProviderMetrics {
  /** call counts one call by operation and outcome and records its duration in seconds. */
  call(operation: ProviderOperation, outcome: ProviderOutcome, seconds: number): void;
}

/**
 * createProviderMetrics registers the provider's metrics on registry:
 * `shop_payment_provider_breaker_state` (0 closed, 1 half-open, 2 open, read
 * from breakerState at every scrape), `shop_payment_provider_calls_total`
 * by operation and outcome (breaker_open counts the calls that were failed
 * fast without reaching the provider) and `shop_payment_provider_call_seconds`.
 */
export function createProviderMetrics(registry: Registry, breakerState: () => BreakerStateName): ProviderMetrics {
  const registers = [registry];
  new Gauge({
    name: 'shop_payment_provider_breaker_state',
    help: 'State of the payment provider circuit breaker: 0 closed, 1 half-open, 2 open.',
    registers,
    collect() {
      this.set(BREAKER_STATE_VALUE[breakerState()]);
    },
  });
  const calls = new Counter({
    name: 'shop_payment_provider_calls_total',
    help: 'Calls to the payment provider by operation and outcome (success, declined, or why it failed; breaker_open never reached the provider).',
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const seconds = new Histogram({
    name: 'shop_payment_provider_call_seconds',
    help: 'Duration of calls to the payment provider in seconds, by operation.',
    labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  return {
    call(operation, outcome, duration) {
      calls.inc({ operation, outcome });
      seconds.observe({ operation }, duration);
    },
  };
}
