import type { Database, MeshClient } from '@shop/kit';
import type { CatalogServiceDefinition } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import type { PageTokenCodec } from '../domain/page-token';
import type { OrderNotifier } from '../saga/order-notifier';
import type { PaymentTokens } from '../saga/payment-tokens';
import type { SagaRunner } from '../saga/saga-runner';

/** OrdersDeps are what the orders operations and handlers work with, wired in service.ts. */
export interface OrdersDeps {
  db: Database;
  catalog: Pick<MeshClient<typeof CatalogServiceDefinition>, 'batchGetProducts'>;
  runner: Pick<SagaRunner, 'kick'>;
  notifier: OrderNotifier;
  /** paymentTokens holds PlaceOrder's payment token in memory for the charge step; it is never stored. */
  paymentTokens: Pick<PaymentTokens, 'keep'>;
  pageTokens: PageTokenCodec;
  /** waitMs is how long PlaceOrder and CancelOrder wait for the saga before answering. */
  waitMs: number;
  /** watchPollMs is how often WatchOrder reads the database for changes made by other replicas. */
  watchPollMs: number;
  /** closing aborts when the process starts shutting down: open watches end then, so they do not hold the shutdown. */
  closing: AbortSignal;
}
