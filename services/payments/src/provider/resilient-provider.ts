import { performance } from 'node:perf_hooks';
import {
  circuitBreaker,
  CircuitState,
  handleWhen,
  isBrokenCircuitError,
  SamplingBreaker,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
} from 'cockatiel';
import type { BreakerStateName, ProviderMetrics, ProviderOperation } from './provider-metrics';
import { isProviderError, ProviderError, type CallOptions, type PaymentProvider } from './types';

/** ResilienceOptions configure the timeout and circuit breaker around a provider. */
export interface ResilienceOptions {
  /** timeoutMs bounds every provider call; a call that takes longer fails as an (ambiguous) timeout. */
  timeoutMs: number;
  /** failureRate in (0, 1): the breaker opens when more than this share of calls in the window failed. */
  failureRate: number;
  /** windowMs is the sliding window the failure rate is measured over. */
  windowMs: number;
  /** minCalls is how many calls the window must hold before the breaker may open at all. */
  minCalls: number;
  /** halfOpenAfterMs is how long the breaker stays open before it lets one probe through. */
  halfOpenAfterMs: number;
  onStateChange?: (state: BreakerStateName) => void;
  metrics?: ProviderMetrics;
}

/** ResilientProvider is a PaymentProvider behind a breaker, with a view of the breaker's state. */
export interface ResilientProvider extends PaymentProvider {
  breakerState(): BreakerStateName;
  /** retryAfterMs is how long until an open breaker lets a probe through; 0 unless it is open. */
  retryAfterMs(): number;
}

/**
 * countsAgainstProvider decides what opens the breaker: timeouts, network
 * and server failures, unreadable answers and refused credentials. A
 * decline is an answer (the call returns it), and so are a refused request
 * (our request was wrong, the provider is fine) and "a request with this
 * key is still in flight".
 */
export function countsAgainstProvider(err: Error): boolean {
  if (isProviderError(err)) return err.kind !== 'rejected' && err.kind !== 'in_progress';
  return true;
}

/**
 * withResilience wraps a provider in a cockatiel circuit breaker around a
 * timeout policy. The timeout is aggressive: the call fails the moment it
 * passes, and the inner call's signal aborts its HTTP request. The breaker
 * is a SamplingBreaker: it opens when more than failureRate of the calls in
 * the last windowMs failed, once the window holds minCalls calls; after
 * halfOpenAfterMs the next call is a probe (calls arriving meanwhile wait for
 * it), and the probe's success closes the breaker, its failure opens it again.
 *
 * While the breaker is open every call fails at once with
 * ProviderError('breaker_open', ambiguous: false): nothing was sent.
 */
export function withResilience(inner: PaymentProvider, options: ResilienceOptions): ResilientProvider {
  const breaker = circuitBreaker(handleWhen(countsAgainstProvider), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new SamplingBreaker({
      threshold: options.failureRate,
      duration: options.windowMs,
      // The breaker may open once the window holds duration × minimumRps calls.
      // Half a call less than asked, so the float arithmetic inside cannot demand one more.
      minimumRps: ((options.minCalls - 0.5) * 1000) / options.windowMs,
    }),
  });
  const timeoutPolicy = timeout(options.timeoutMs, TimeoutStrategy.Aggressive);
  let openedAt = 0;

  breaker.onStateChange((state) => {
    if (state === CircuitState.Open || state === CircuitState.Isolated) openedAt = Date.now();
    options.onStateChange?.(stateName(state));
  });

  async function run<T>(operation: ProviderOperation, call: (o: CallOptions) => Promise<T>, outcomeOf: (value: T) => 'success' | 'declined'): Promise<T> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const value = await breaker.execute(() => timeoutPolicy.execute(({ signal }) => call({ signal })));
      options.metrics?.call(operation, outcomeOf(value), seconds());
      return value;
    } catch (err) {
      const failure = toProviderError(err, options.timeoutMs);
      options.metrics?.call(operation, failure?.kind ?? 'error', seconds());
      throw failure ?? err;
    }
  }

  return {
    name: inner.name,
    charge: (request) => run('charge', (o) => inner.charge(request, o), (c) => (c.status === 'declined' ? 'declined' : 'success')),
    refund: (request) => run('refund', (o) => inner.refund(request, o), () => 'success'),
    findCharge: (key) => run('find_charge', (o) => inner.findCharge(key, o), () => 'success'),
    breakerState: () => stateName(breaker.state),
    retryAfterMs() {
      if (breaker.state !== CircuitState.Open && breaker.state !== CircuitState.Isolated) return 0;
      return Math.max(0, openedAt + options.halfOpenAfterMs - Date.now());
    },
  };
}

function toProviderError(err: unknown, timeoutMs: number): ProviderError | undefined {
  if (isProviderError(err)) return err;
  if (isBrokenCircuitError(err)) return new ProviderError('breaker_open', false, 'payment provider circuit breaker is open', { cause: err });
  // Not isTaskCancelledError: in cockatiel 3.2.1 it tests for the bulkhead's marker and never matches.
  if (err instanceof TaskCancelledError) return new ProviderError('timeout', true, `payment provider did not answer within ${timeoutMs} ms`, { cause: err });
  return undefined;
}

function stateName(state: CircuitState): BreakerStateName {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half_open';
    default:
      return 'open';
  }
}
