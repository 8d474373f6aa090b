import path from 'node:path';
import { appendEvents, createEvents, EVENT_FEED_CALLERS, register, type ServiceSpec } from '@shop/kit';
import { PaymentServiceDefinition } from '@shop/sdk/ts/shop/payments/v1/payment_service';
import { paymentsEnv } from './config';
import { createPaymentHandlers } from './handlers/payment-handlers';
import { leaseFor, type PaymentsDeps } from './operations/deps';
import { reconcile } from './operations/reconcile';
import { createHttpProvider } from './provider/http-provider';
import { createProviderMetrics } from './provider/provider-metrics';
import { withResilience, type ResilientProvider } from './provider/resilient-provider';
import { startReconciler } from './reconciler';

/**
 * paymentsService is the composition root of the payments service: the
 * provider adapter behind its circuit breaker, the ledger, the reconciler
 * and the event relay. Only the orders service may charge and refund.
 *
 * The service stays SERVING while the breaker is open: GetPayment and the
 * answers to repeated charges come from the ledger and still work, Charge
 * fails fast with a precise PAYMENT_PROVIDER_UNAVAILABLE and RetryInfo (a
 * transport-level UNAVAILABLE would hide both), and the half-open probe
 * needs calls to reach the process. Every replica shares the provider, so
 * taking them out of rotation would only turn a payment outage into a
 * payments-service outage.
 */
export const paymentsService: ServiceSpec<typeof paymentsEnv> = {
  name: 'payments',
  env: paymentsEnv,
  migrationsDir: path.join(__dirname, '..', 'migrations'),
  internalCallers: { ...EVENT_FEED_CALLERS, Charge: ['orders'], Refund: ['orders'], FindCharge: ['orders'] },
  async build({ config, log, db, metrics, clients }) {
    const providerLog = log.child({ component: 'payment-provider' });
    const provider: ResilientProvider = withResilience(
      createHttpProvider({ name: config.PAYMENT_PROVIDER_NAME, baseUrl: config.PAYMENT_PROVIDER_URL, secret: config.PAYMENT_PROVIDER_SECRET }),
      {
        timeoutMs: config.PROVIDER_TIMEOUT,
        failureRate: config.BREAKER_FAILURE_RATE,
        windowMs: config.BREAKER_WINDOW,
        minCalls: config.BREAKER_MIN_CALLS,
        halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER,
        metrics: createProviderMetrics(metrics.registry, () => provider.breakerState()),
        onStateChange: (state) => {
          if (state === 'open') providerLog.warn({ breaker: state, retryAfterMs: config.BREAKER_HALF_OPEN_AFTER }, 'payment provider breaker opened: charges fail fast');
          else providerLog.info({ breaker: state }, `payment provider breaker ${state === 'closed' ? 'closed' : 'half-open: probing'}`);
        },
      },
    );

    const events = createEvents({ service: 'payments', db, log, amqpUrl: config.AMQP_URL, clients, metrics, exchange: config.EVENTS_EXCHANGE });
    const deps: PaymentsDeps = {
      db,
      provider,
      events: (tx, list) => appendEvents(tx, 'payments', list),
      leaseMs: leaseFor(config.PROVIDER_TIMEOUT),
    };
    const stopReconciler = startReconciler({
      intervalMs: config.RECONCILE_INTERVAL,
      run: () => reconcile(deps, { olderThanMs: config.RECONCILE_AFTER, limit: config.RECONCILE_BATCH, log }),
      log,
    });
    events.relay.start();
    log.info({ provider: config.PAYMENT_PROVIDER_NAME, origin: new URL(config.PAYMENT_PROVIDER_URL).origin }, 'payment provider configured');
    return {
      services: [register(PaymentServiceDefinition, createPaymentHandlers(deps)), events.feed],
      stop: [stopReconciler, () => events.relay.stop()],
      // "closed", "open" or "half_open": why charges fail fast, next to the process's own health.
      healthDetails: () => ({ paymentProvider: { name: config.PAYMENT_PROVIDER_NAME, breaker: provider.breakerState() } }),
    };
  },
};
