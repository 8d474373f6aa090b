import { credentials, status as Code } from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { ShopError } from '@shop/sdk/lib/errors';
import { createPromiseClient } from '@shop/sdk/lib/promise-client';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import { startTracing, type Tracing } from '../telemetry/tracing';
import { createTestAuth, type TestAuth } from '../testing/test-auth';
import { appendEvents } from './append-events';
import {
  createEffects,
  createStores,
  effects,
  eventually,
  failingStatements,
  metricValue,
  ORDER_CONFIRMED,
  orderConfirmed,
  recordEffect,
  startSide,
  storeKinds,
  type ServiceUnderTest,
  type TestDb,
} from './test-harness';
import type { BackgroundWork, EventHandler } from './types';

describe.each(storeKinds())('events over the embedded feed on %s', (kind) => {
  const stores = createStores(kind);
  let auth: TestAuth;
  let tracing: Tracing;
  let cleanups: Array<() => Promise<void>>;

  beforeAll(async () => {
    auth = await createTestAuth();
    tracing = startTracing({ service: 'events-test', samplerRatio: 1 });
  });
  afterAll(async () => {
    await tracing.shutdown();
    await stores.release();
    auth.cleanup();
  });
  beforeEach(() => {
    cleanups = [];
  });
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function open(): Promise<TestDb> {
    const store = await stores.open();
    cleanups.push(() => store.dispose());
    return store;
  }

  /** producer starts a service "orders" that serves its feed to "shipping". */
  async function producer(options: Parameters<typeof startSide>[3] = {}): Promise<ServiceUnderTest> {
    const { db } = await open();
    const side = await startSide('orders', db, auth, { serveFeed: { callers: ['shipping'] }, ...options });
    cleanups.push(() => side.close());
    return side;
  }

  /** consumer starts a service "shipping" with an effects table. */
  async function consumer(options: Parameters<typeof startSide>[3] = {}): Promise<ServiceUnderTest> {
    const { db } = await open();
    await createEffects(db);
    const side = await startSide('shipping', db, auth, { retryDelayMs: 50, ...options });
    cleanups.push(() => side.close());
    return side;
  }

  /** running starts work and stops it after the test. */
  function running<W extends BackgroundWork>(work: W): W {
    work.start();
    cleanups.push(() => work.stop());
    return work;
  }

  function consumeOrders(from: ServiceUnderTest, into: ServiceUnderTest, handler: EventHandler = recordEffect): BackgroundWork {
    return into.events.consume({ sources: { orders: from.address! }, handlers: { [ORDER_CONFIRMED]: handler } });
  }

  it('delivers an event whose transaction committed and never one whose transaction rolled back', async () => {
    const orders = await producer();
    const shipping = await consumer();
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('kept')]));
    await expect(
      orders.db.transaction(async (tx) => {
        await appendEvents(tx, 'orders', [orderConfirmed('rolled-back')]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('later')]));

    running(orders.events.relay);
    running(consumeOrders(orders, shipping));

    await eventually(async () => expect(await effects(shipping.db)).toEqual(['kept', 'later']));
    const { rows } = await orders.db.query('SELECT subject, position FROM event_outbox ORDER BY position');
    expect(rows).toEqual([
      { subject: 'kept', position: '1' },
      { subject: 'later', position: '2' },
    ]);
  });

  it('sleeps while idle and wakes at once when a commit writes an event: no polling', async () => {
    // Recheck and poll intervals of a minute: only the outbox's and the feed's notifications can deliver within the test.
    let statements = 0;
    const counted = (db: Parameters<typeof failingStatements>[0]) => failingStatements(db, /[\s\S]/, () => ++statements < 0);
    const { db } = await open();
    const orders = await startSide('orders', counted(db), auth, { serveFeed: { callers: ['shipping'] }, idleRecheckMs: 60_000, pollIntervalMs: 60_000 });
    cleanups.push(() => orders.close());
    const shipping = await consumer();
    running(orders.events.relay);
    running(consumeOrders(orders, shipping));
    await new Promise((r) => setTimeout(r, 500));
    const before = statements;
    await new Promise((r) => setTimeout(r, 1_500));
    // The relay's first round and the consumer's first pull are done; then nothing reads the database.
    expect(statements).toBe(before);
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('woken')]));
    await eventually(async () => expect(await effects(shipping.db)).toEqual(['woken']), 5_000);
  });

  it('runs the handler once when an event is delivered twice', async () => {
    const orders = await producer();
    const shipping = await consumer();
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('o-1')]));
    running(orders.events.relay);
    const consuming = running(consumeOrders(orders, shipping));
    await eventually(async () => expect(await effects(shipping.db)).toEqual(['o-1']));

    // Rewind the stored position, as if the consumer had crashed before saving it: the feed delivers o-1 again.
    await consuming.stop();
    await shipping.db.query("UPDATE event_feed_positions SET position = 0 WHERE source = 'orders'");
    consuming.start();

    await eventually(async () => expect(await metricValue(shipping.metrics, 'shop_events_duplicates_total', { type: ORDER_CONFIRMED })).toBe(1));
    expect(await effects(shipping.db)).toEqual(['o-1']);
    expect(await metricValue(shipping.metrics, 'shop_events_consumed_total', { type: ORDER_CONFIRMED })).toBe(1);
    const { rows } = await shipping.db.query("SELECT position FROM event_feed_positions WHERE source = 'orders'");
    expect(rows).toEqual([{ position: '1' }]);
  });

  it('loses nothing and duplicates no effect when the relay and the consumer stop midway and start again', async () => {
    const subjects = Array.from({ length: 30 }, (_, i) => `o-${String(i).padStart(2, '0')}`);
    const { db: ordersDb } = await open();
    for (const subject of subjects) await ordersDb.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed(subject)]));

    // The first relay assigns one batch, then "crashes" inside its second round before it commits.
    let rounds = 0;
    const crashing = failingStatements(ordersDb, /UPDATE event_feed_head/, () => ++rounds >= 2);
    const first = await startSide('orders', crashing, auth, { batchSize: 10 });
    cleanups.push(() => first.close());
    first.events.relay.start();
    await eventually(() => expect(rounds).toBeGreaterThanOrEqual(3));
    await first.events.relay.stop();
    const published = await ordersDb.query<{ n: string }>('SELECT count(*) AS n FROM event_outbox WHERE position IS NOT NULL');
    expect(published.rows).toEqual([{ n: '10' }]);

    const orders = await startSide('orders', ordersDb, auth, { batchSize: 10, serveFeed: { callers: ['shipping'] } });
    cleanups.push(() => orders.close());
    const shipping = await consumer({ batchSize: 7 });
    const consuming = running(consumeOrders(orders, shipping));
    await eventually(async () => expect((await effects(shipping.db)).length).toBeGreaterThanOrEqual(10));
    await consuming.stop();

    running(orders.events.relay);
    consuming.start();
    await eventually(async () => expect(await effects(shipping.db)).toEqual(subjects));
    const positions = await ordersDb.query<{ position: string }>('SELECT position FROM event_outbox ORDER BY seq');
    expect(positions.rows.map((r) => Number(r.position))).toEqual(subjects.map((_, i) => i + 1));
  });

  it('keeps a consumer at an event whose handler fails, retrying with growing pauses, and goes on in order once it succeeds', async () => {
    const orders = await producer();
    const shipping = await consumer({ retryDelayMs: 100 });
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', ['first', 'poison', 'third'].map(orderConfirmed)));
    const failures: number[] = [];
    running(orders.events.relay);
    running(
      consumeOrders(orders, shipping, async (event, tx) => {
        if (event.subject === 'poison' && failures.length < 4) {
          failures.push(Date.now());
          throw new Error('handler bug');
        }
        await recordEffect(event, tx);
      }),
    );

    await eventually(async () => expect(await effects(shipping.db)).toEqual(['first', 'poison', 'third']));
    expect(failures).toHaveLength(4);
    // Each pause is at least the backoff for its attempt (100 ms doubling,
    // less up to a fifth of jitter): lower bounds only, since the time the
    // retry itself takes varies with the machine's load, and comparing
    // consecutive pauses failed on a busy CI run (229 ms, then 211 ms).
    const pauses = failures.slice(1).map((at, i) => at - failures[i]!);
    // (2 ms of slack: timers run on the event loop's cached clock.)
    expect(pauses[0]).toBeGreaterThanOrEqual(80 - 2);
    expect(pauses[1]).toBeGreaterThanOrEqual(160 - 2);
    expect(pauses[2]).toBeGreaterThanOrEqual(320 - 2);
    expect(await metricValue(shipping.metrics, 'shop_events_failed_total', { type: ORDER_CONFIRMED })).toBe(4);
  });

  it('runs the handler inside the trace of the request that emitted the event', async () => {
    const orders = await producer();
    const shipping = await consumer();
    const tracer = trace.getTracer('events-test');
    const producerTrace = await tracer.startActiveSpan('place order', async (span) => {
      await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('traced')]));
      span.end();
      return span.spanContext().traceId;
    });
    const seen: string[] = [];
    running(orders.events.relay);
    running(
      consumeOrders(orders, shipping, async (event, tx) => {
        seen.push(trace.getActiveSpan()?.spanContext().traceId ?? 'none');
        await recordEffect(event, tx);
      }),
    );
    await eventually(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toBe(producerTrace);
    expect(producerTrace).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reports outbox lag until the relay publishes, and consumer lag until the consumer catches up', async () => {
    const orders = await producer();
    const shipping = await consumer();
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', ['a', 'b', 'c'].map(orderConfirmed)));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await metricValue(orders.metrics, 'shop_events_outbox_unpublished')).toBe(3);
    expect(await metricValue(orders.metrics, 'shop_events_outbox_oldest_unpublished_age_seconds')).toBeGreaterThan(0);

    running(orders.events.relay);
    await eventually(async () => expect(await metricValue(orders.metrics, 'shop_events_outbox_unpublished')).toBe(0));
    expect(await metricValue(orders.metrics, 'shop_events_outbox_oldest_unpublished_age_seconds')).toBe(0);
    await eventually(async () => expect(await metricValue(orders.metrics, 'shop_events_published_total', { type: ORDER_CONFIRMED })).toBe(3));

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    running(
      consumeOrders(orders, shipping, async (event, tx) => {
        await gate;
        await recordEffect(event, tx);
      }),
    );
    await eventually(async () => expect(await metricValue(shipping.metrics, 'shop_events_consumer_lag', { source: 'orders' })).toBe(3));
    release();
    await eventually(async () => expect(await effects(shipping.db)).toEqual(['a', 'b', 'c']));
    await eventually(async () => expect(await metricValue(shipping.metrics, 'shop_events_consumer_lag', { source: 'orders' })).toBe(0));
  });

  it('serves the feed oldest first after a position, with the head, and only to the mesh services it names', async () => {
    const orders = await producer();
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', ['a', 'b', 'c'].map(orderConfirmed)));
    running(orders.events.relay);
    await eventually(async () => expect(await metricValue(orders.metrics, 'shop_events_outbox_unpublished')).toBe(0));

    const feed = createPromiseClient(EventFeedServiceDefinition, orders.address!, credentials.createInsecure(), { defaultDeadlineMs: 5_000 });
    cleanups.push(async () => feed.close());
    const asShipping = { metadata: { 'x-shop-service-token': await (await auth.identity('shipping')).token('orders') } };
    const reply = await feed.pullEvents({ afterPosition: 1n, maxEvents: 1 }, asShipping);
    expect(reply.headPosition).toBe(3n);
    expect(reply.events.map((e) => [e.position, e.envelope?.subject, e.envelope?.type, e.envelope?.source])).toEqual([
      [2n, 'b', ORDER_CONFIRMED, 'orders'],
    ]);
    expect(reply.events[0]!.envelope!.payload).toEqual(orderConfirmed('b').payload);

    const asPayments = { metadata: { 'x-shop-service-token': await (await auth.identity('payments')).token('orders') } };
    const refused = await feed.pullEvents({}, asPayments).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ShopError);
    expect((refused as ShopError).code).toBe(Code.PERMISSION_DENIED);
  });

  /** feedClient calls the producer's feed as the shipping service. */
  async function feedClient(producerSide: ServiceUnderTest) {
    const feed = createPromiseClient(EventFeedServiceDefinition, producerSide.address!, credentials.createInsecure(), { defaultDeadlineMs: 20_000 });
    cleanups.push(async () => feed.close());
    const asShipping = { metadata: { 'x-shop-service-token': await (await auth.identity('shipping')).token('orders') } };
    return { feed, asShipping };
  }

  const millis = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });

  it('holds a pull with max_wait until the relay publishes, and answers an idle one empty once max_wait has passed', async () => {
    const orders = await producer();
    running(orders.events.relay);
    const { feed, asShipping } = await feedClient(orders);

    let started = Date.now();
    const idle = await feed.pullEvents({ afterPosition: 0n, maxWait: millis(400) }, asShipping);
    expect(idle.events).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);

    started = Date.now();
    const waiting = feed.pullEvents({ afterPosition: 0n, maxWait: millis(10_000) }, asShipping);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('late')]));
    const reply = await waiting;
    expect(reply.events.map((e) => e.envelope?.subject)).toEqual(['late']);
    // Answered when the event was published, not at the end of the 10 s wait.
    expect(Date.now() - started).toBeLessThan(5_000);

    // Without max_wait the pull answers at once, as before.
    started = Date.now();
    expect((await feed.pullEvents({ afterPosition: reply.events[0]!.position }, asShipping)).events).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('ends waiting pulls at once when the service drains, and refuses a malformed max_wait', async () => {
    const orders = await producer();
    const { feed, asShipping } = await feedClient(orders);
    const started = Date.now();
    const waiting = feed.pullEvents({ afterPosition: 0n, maxWait: millis(10_000) }, asShipping);
    await new Promise((resolve) => setTimeout(resolve, 200));
    orders.events.feed.drain!();
    expect((await waiting).events).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3_000);

    const refused = await feed.pullEvents({ maxWait: { seconds: -1n, nanos: 0 } }, asShipping).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ShopError);
    expect((refused as ShopError).code).toBe(Code.INVALID_ARGUMENT);
    expect((refused as ShopError).errorDetails.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['max_wait']);
  });

  it('lets an idle consumer wait in the producer instead of polling it, and still delivers at once', async () => {
    const orders = await producer();
    running(orders.events.relay);
    // Calls started, so a pull still waiting in the producer counts.
    const pulls = () => metricValue(orders.metrics, 'grpc_server_started_total', { grpc_method: 'PullEvents' });

    const polling = await consumer({ feedWaitMs: 0 });
    const pollingWork = running(consumeOrders(orders, polling));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await pollingWork.stop();
    // Every 20 ms (the test's poll interval) for a second, less the time each pull takes.
    const polled = await pulls();
    expect(polled).toBeGreaterThanOrEqual(8);

    const waiting = await consumer({ feedWaitMs: 5_000 });
    running(consumeOrders(orders, waiting));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // One pull, waiting in the producer.
    expect((await pulls()) - polled).toBeLessThanOrEqual(2);

    const started = Date.now();
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('o-1')]));
    await eventually(async () => expect(await effects(waiting.db)).toEqual(['o-1']));
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
