import { resourceExhausted, type DomainError } from '../../errors/domain-error';

/** InFlightLimiter is the overload guard: a bound on the calls a process serves at once. */
export interface InFlightLimiter {
  /** tryEnter admits a call, or returns false when the bound is reached. */
  tryEnter(): boolean;
  /** leave ends an admitted call. */
  leave(): void;
  inFlight(): number;
}

/** OVERLOADED_MESSAGE is the status message of a call the overload guard refused. */
export const OVERLOADED_MESSAGE = 'the server is at capacity; retry with backoff';

/** overloaded is the error a refused call gets: RESOURCE_EXHAUSTED with RetryInfo. */
export function overloaded(): DomainError {
  return resourceExhausted('OVERLOADED', OVERLOADED_MESSAGE, 100);
}

/**
 * createInFlightLimiter bounds the calls a process serves at once. It is the
 * first step of every call, before anything is allocated for it: beyond the
 * bound a call fails at once with RESOURCE_EXHAUSTED instead of waiting in a
 * queue that grows until every call times out. Refusals are counted
 * (grpc_server_rejected_total), not logged one by one, so an overload does
 * not also flood the logs.
 */
export function createInFlightLimiter(maxInFlight: number): InFlightLimiter {
  let current = 0;
  return {
    tryEnter() {
      if (current >= maxInFlight) return false;
      current += 1;
      return true;
    },
    leave() {
      current -= 1;
    },
    inFlight: () => current,
  };
}
