import { z } from 'zod';
import { envInt, envUrl, envDuration } from '@shop/kit';

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
  /** EVENTS_EXCHANGE is the RabbitMQ topic exchange this service publishes its events to (with AMQP_URL). */
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
};

/** PaymentsConfig is the parsed paymentsEnv. */
export type PaymentsConfig = z.output<z.ZodObject<typeof paymentsEnv>>;
