import { z } from 'zod';
import { envInt, envUrl } from '@shop/kit';

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * parseDurationMs reads "250ms", "5s", "15m" or "1h" as milliseconds, and
 * returns undefined for anything else. A bare number is refused: "3" could
 * mean seconds or milliseconds.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** envDuration accepts a duration with a unit (see parseDurationMs) between min and max milliseconds. */
export function envDuration(minMs: number, maxMs: number) {
  return z.string().transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be a duration like 500ms, 5s, 15m or 1h, between ${minMs} ms and ${maxMs} ms` });
      return z.NEVER;
    }
    return ms;
  });
}

/**
 * DEV_PROVIDER_SECRET is the API key the simulator and the service share
 * when PAYMENT_PROVIDER_SECRET is not set: fine on a laptop, and useless
 * against a real provider, which issues its own.
 */
export const DEV_PROVIDER_SECRET = 'sk_test_shopmesh_simulator';

/** paymentsEnv is the payments service's own configuration, added to the common one. */
export const paymentsEnv = {
  /** PAYMENT_PROVIDER_URL is the provider's API root; the default is the built-in simulator. */
  PAYMENT_PROVIDER_URL: envUrl('http', 'https').default('http://127.0.0.1:8090'),
  /** PAYMENT_PROVIDER_SECRET is the provider API key, sent as a bearer token. */
  PAYMENT_PROVIDER_SECRET: z.string().min(1).default(DEV_PROVIDER_SECRET),
  /** PAYMENT_PROVIDER_NAME is recorded on every payment as its provider. */
  PAYMENT_PROVIDER_NAME: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'must be 1 to 32 of a-z, 0-9, _ and -').default('simulated'),
  /** PROVIDER_TIMEOUT bounds every provider call; after it the outcome counts as unknown. */
  PROVIDER_TIMEOUT: envDuration(10, 60_000).default(3_000),
  /** BREAKER_FAILURE_RATE: the breaker opens when more than this share of calls in the window failed. */
  BREAKER_FAILURE_RATE: z.coerce.number().gt(0).lt(1).default(0.5),
  /** BREAKER_WINDOW is the sliding window the failure rate is measured over. */
  BREAKER_WINDOW: envDuration(100, 3_600_000).default(10_000),
  /** BREAKER_MIN_CALLS is how many calls the window must hold before the breaker may open. */
  BREAKER_MIN_CALLS: envInt(1, 1_000_000).default(5),
  /** BREAKER_HALF_OPEN_AFTER is how long the breaker stays open before one probe call is let through. */
  BREAKER_HALF_OPEN_AFTER: envDuration(10, 3_600_000).default(5_000),
  /** RECONCILE_INTERVAL is the pause between two runs of the reconciler. */
  RECONCILE_INTERVAL: envDuration(10, 3_600_000).default(5_000),
  /** RECONCILE_AFTER is how old a PENDING payment or refund must be before the reconciler settles it. */
  RECONCILE_AFTER: envDuration(0, 86_400_000).default(30_000),
  /** RECONCILE_BATCH is how many payments (and refunds) one reconciler run settles at most. */
  RECONCILE_BATCH: envInt(1, 1_000).default(20),
};

/** PaymentsConfig is the parsed paymentsEnv. */
export type PaymentsConfig = z.output<z.ZodObject<typeof paymentsEnv>>;
