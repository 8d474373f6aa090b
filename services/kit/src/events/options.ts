import type { EventsOptions } from './types';

/** ResolvedOptions are EventsOptions with every default filled in. */
export type ResolvedOptions = Required<Omit<EventsOptions, 'amqpUrl'>> & Pick<EventsOptions, 'amqpUrl'>;

/** DEFAULT_EXCHANGE is the durable topic exchange every shopmesh service publishes its events to. */
export const DEFAULT_EXCHANGE = 'shop.events';

const DAY_MS = 24 * 3_600_000;

/** resolveOptions fills in the defaults documented on EventsOptions and rejects values that cannot work. */
export function resolveOptions(options: EventsOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    exchange: DEFAULT_EXCHANGE,
    queue: `shop.${options.service}`,
    pollIntervalMs: 200,
    idleRecheckMs: 30_000,
    feedWaitMs: 25_000,
    batchSize: 100,
    maxAttempts: 5,
    retryDelayMs: 1_000,
    maxRetryDelayMs: 30_000,
    prefetch: 20,
    leaseMs: 30_000,
    confirmTimeoutMs: 10_000,
    retentionMs: 7 * DAY_MS,
    reconnectDelayMs: 100,
    maxReconnectDelayMs: 10_000,
    ...withoutUndefined(options),
    service: options.service,
    db: options.db,
    log: options.log,
    clients: options.clients,
    metrics: options.metrics,
  };
  if (!resolved.service) throw new TypeError('createEvents needs the service name');
  if (!resolved.exchange || !resolved.queue) throw new TypeError('createEvents: exchange and queue must not be empty');
  for (const key of ['pollIntervalMs', 'idleRecheckMs', 'batchSize', 'maxAttempts', 'prefetch', 'leaseMs', 'confirmTimeoutMs', 'retentionMs'] as const) {
    if (!(Number.isInteger(resolved[key]) && resolved[key] > 0)) throw new RangeError(`createEvents: ${key} must be a positive integer, got ${resolved[key]}`);
  }
  if (resolved.batchSize > 500) throw new RangeError('createEvents: batchSize must be at most 500, the most PullEvents returns');
  if (!(Number.isInteger(resolved.feedWaitMs) && resolved.feedWaitMs >= 0 && resolved.feedWaitMs <= 30_000)) {
    throw new RangeError(`createEvents: feedWaitMs must be an integer from 0 to 30000, got ${resolved.feedWaitMs}`);
  }
  return resolved;
}

/** withoutUndefined drops keys set to undefined, so they do not override the defaults. */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
