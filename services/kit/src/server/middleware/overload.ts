import { resourceExhausted } from '../../errors/domain-error';
import type { Middleware } from '../chain';
import { OVERLOADED_MESSAGE } from './metrics';

/** InFlightLimiter is the overload guard and its live count. */
export interface InFlightLimiter {
  middleware: Middleware;
  inFlight(): number;
}

/**
 * createInFlightLimiter bounds the calls a process serves at once. Beyond
 * the bound a call fails at once with RESOURCE_EXHAUSTED and RetryInfo
 * instead of waiting in a queue that grows until every call times out.
 */
export function createInFlightLimiter(maxInFlight: number, onReject?: () => void): InFlightLimiter {
  let current = 0;
  const middleware: Middleware = async (_call, next) => {
    if (current >= maxInFlight) {
      onReject?.();
      throw resourceExhausted('OVERLOADED', OVERLOADED_MESSAGE, 100);
    }
    current += 1;
    try {
      return await next();
    } finally {
      current -= 1;
    }
  };
  return { middleware, inFlight: () => current };
}
