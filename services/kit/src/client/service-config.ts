import type { ServiceDefinition } from '../server/definition';
import type { Contract } from '../contract/contract';

/** RetryOptions tune the retry policy of methods that are safe to retry. */
export interface RetryOptions {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)}s`;

/**
 * buildServiceConfig writes the gRPC service config of a channel to one
 * service: round_robin over every address the name resolves to; a timeout
 * per method; retries on UNAVAILABLE only for methods the contract marks
 * NO_SIDE_EFFECTS or IDEMPOTENT (never, say, a charge without a key); and
 * retry throttling, so retries stop when most calls fail instead of
 * multiplying the load on a struggling service.
 */
export function buildServiceConfig(
  definition: ServiceDefinition,
  contract: Contract,
  options: { defaultTimeoutMs: number; timeoutsMs?: Readonly<Record<string, number>>; retry?: RetryOptions },
): string {
  const retry = options.retry ?? { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 1000 };
  const methodConfig = Object.values(definition.methods).map((method) => {
    const safe = contract.method(`/${definition.fullName}/${method.name}`)?.safeToRetry ?? false;
    return {
      name: [{ service: definition.fullName, method: method.name }],
      timeout: seconds(options.timeoutsMs?.[method.name] ?? options.defaultTimeoutMs),
      ...(safe
        ? {
            retryPolicy: {
              maxAttempts: retry.maxAttempts,
              initialBackoff: seconds(retry.initialBackoffMs),
              maxBackoff: seconds(retry.maxBackoffMs),
              backoffMultiplier: 2,
              retryableStatusCodes: ['UNAVAILABLE'],
            },
          }
        : {}),
    };
  });
  return JSON.stringify({
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig,
    retryThrottling: { maxTokens: 10, tokenRatio: 0.1 },
  });
}
