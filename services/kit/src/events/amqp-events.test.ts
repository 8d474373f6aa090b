import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import { startTracing, type Tracing } from '../telemetry/tracing';
import { createTestAuth, type TestAuth } from '../testing/test-auth';
import { ATTEMPTS_HEADER, ERROR_HEADER, queueNames } from './amqp-consumer';
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
  type StoreKind,
} from './test-harness';
import type { BackgroundWork, EventHandler, EventsOptions } from './types';

const AMQP_URL = process.env.TEST_AMQP_URL || undefined;
const SKIPPED = 'TEST_AMQP_URL is not set: skipping the RabbitMQ runs of the events suite';
if (!AMQP_URL) console.warn(SKIPPED);
const describeAmqp = AMQP_URL ? describe.each(storeKinds()) : describe.skip.each<StoreKind>(['PGlite']);
const TITLE = AMQP_URL ? 'events over RabbitMQ on %s' : `events over RabbitMQ on %s (${SKIPPED})`;

// The real amqplib module object, so a test can watch the connections the relay and consumer open.
const amqplib = jest.requireActual<typeof import('amqplib')>('amqplib');

describeAmqp(TITLE, (kind) => {
  const stores = createStores(kind);
  let auth: TestAuth;
  let tracing: Tracing;
  let admin: ChannelModel;
  let adminChannel: Channel;
  let cleanups: Array<() => Promise<void>>;
  /** names are this test's own exchange and queue, deleted afterwards. */
  let names: { exchange: string; queue: string };

  beforeAll(async () => {
    auth = await createTestAuth();
    tracing = startTracing({ service: 'events-amqp-test', samplerRatio: 1 });
    admin = await amqplib.connect(AMQP_URL!);
    adminChannel = await admin.createChannel();
  });
  afterAll(async () => {
    await admin?.close();
    await tracing.shutdown();
    await stores.release();
    auth.cleanup();
  });
  beforeEach(() => {
    cleanups = [];
    const run = randomBytes(4).toString('hex');
    names = { exchange: `shop.events.test-${run}`, queue: `shop.test-${run}` };
    const { exchange, queue } = names;
    cleanups.push(async () => {
      const q = queueNames(queue);
      for (const name of [q.queue, q.retry, q.dlq]) await adminChannel.deleteQueue(name);
      await adminChannel.deleteExchange(exchange);
    });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function side(name: string, options: Partial<EventsOptions> & { effects?: boolean; wrap?: (db: ServiceUnderTest['db']) => ServiceUnderTest['db'] } = {}) {
    const store = await stores.open();
    cleanups.push(() => store.dispose());
    const { effects: withEffects, wrap, ...eventOptions } = options;
    if (withEffects) await createEffects(store.db);
    const db = wrap ? wrap(store.db) : store.db;
    const s = await startSide(name, db, auth, { amqpUrl: AMQP_URL, ...names, retryDelayMs: 30, reconnectDelayMs: 20, ...eventOptions });
    cleanups.push(() => s.close());
    return { ...s, db: store.db };
  }

  function running<W extends BackgroundWork>(work: W): W {
    work.start();
    cleanups.push(() => work.stop());
    return work;
  }

  function consumeOrders(into: ServiceUnderTest, handler: EventHandler = recordEffect): BackgroundWork {
    return into.events.consume({ sources: { orders: 'unused:1' }, handlers: { [ORDER_CONFIRMED]: handler } });
  }

  /** queueReady waits until the consumer has declared and bound its queue, so nothing published is routed nowhere. */
  async function queueReady(): Promise<void> {
    await eventually(async () => {
      const probe = await admin.createChannel();
      probe.on('error', () => undefined);
      try {
        expect((await probe.checkQueue(names.queue)).consumerCount).toBe(1);
      } finally {
        await probe.close().catch(() => undefined);
      }
    });
  }

  it('delivers an event whose transaction committed, never one whose transaction rolled back, and marks it published after the confirm', async () => {
    const orders = await side('orders');
    const shipping = await side('shipping', { effects: true });
    running(consumeOrders(shipping));
    await queueReady();
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('kept')]));
    await expect(
      orders.db.transaction(async (tx) => {
        await appendEvents(tx, 'orders', [orderConfirmed('rolled-back')]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('later')]));
    running(orders.events.relay);

    await eventually(async () => expect(await effects(shipping.db)).toEqual(['kept', 'later']));
    // The broker may deliver a message before its relay has marked it sent.
    await eventually(async () => {
      const { rows } = await orders.db.query('SELECT subject, position, published_at IS NOT NULL AS published FROM event_outbox ORDER BY seq');
      expect(rows).toEqual([
        { subject: 'kept', position: '1', published: true },
        { subject: 'later', position: '2', published: true },
      ]);
      expect(await metricValue(orders.metrics, 'shop_events_published_total', { type: ORDER_CONFIRMED })).toBe(2);
    });
  });

  it('runs the handler once when the broker delivers an event twice', async () => {
    const orders = await side('orders');
    const shipping = await side('shipping', { effects: true });
    running(consumeOrders(shipping));
    await queueReady();
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('o-1')]));
    running(orders.events.relay);
    await eventually(async () => expect(await effects(shipping.db)).toEqual(['o-1']));

    // Publish the very same message again, as a relay that died before marking it sent would.
    const { rows } = await orders.db.query<{ envelope: Buffer }>('SELECT envelope FROM event_outbox');
    adminChannel.publish(names.exchange, ORDER_CONFIRMED, rows[0]!.envelope, { persistent: true });

    await eventually(async () => expect(await metricValue(shipping.metrics, 'shop_events_duplicates_total', { type: ORDER_CONFIRMED })).toBe(1));
    expect(await effects(shipping.db)).toEqual(['o-1']);
  });

  it('loses nothing and duplicates no effect when the relay dies between the confirm and marking rows sent, and when it is stopped and restarted', async () => {
    const subjects = Array.from({ length: 20 }, (_, i) => `o-${String(i).padStart(2, '0')}`);
    const shipping = await side('shipping', { effects: true });
    running(consumeOrders(shipping));
    await queueReady();

    // The first relay publishes its first batch, then fails to record it (as if it died right after the confirms).
    let marks = 0;
    const first = await side('orders', {
      batchSize: 5,
      leaseMs: 300,
      wrap: (db) => failingStatements(db, /SELECT pg_advisory_xact_lock/, () => ++marks === 1),
    });
    for (const subject of subjects) await first.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed(subject)]));
    first.events.relay.start();
    await eventually(async () => expect((await effects(shipping.db)).length).toBeGreaterThanOrEqual(10));
    await first.events.relay.stop();

    // A new relay over the same outbox takes over, including the rows whose lease ran out.
    const second = await startSide('orders', first.db, auth, { amqpUrl: AMQP_URL, ...names, batchSize: 5, leaseMs: 300, pollIntervalMs: 20 });
    cleanups.push(() => second.close());
    running(second.events.relay);

    await eventually(async () => expect([...(await effects(shipping.db))].sort()).toEqual(subjects));
    await eventually(async () => expect(await metricValue(shipping.metrics, 'shop_events_duplicates_total', { type: ORDER_CONFIRMED })).toBeGreaterThanOrEqual(5));
    expect((await effects(shipping.db)).length).toBe(subjects.length);
    // The broker may deliver a message before its relay has marked it sent.
    await eventually(async () => {
      const { rows } = await first.db.query<{ position: string }>('SELECT position FROM event_outbox ORDER BY position');
      expect(rows.map((r) => Number(r.position))).toEqual(subjects.map((_, i) => i + 1));
    });
  });

  it('retries a failing event with a delay and dead-letters it after the last attempt, while later events go on', async () => {
    const orders = await side('orders');
    const shipping = await side('shipping', { effects: true, maxAttempts: 3 });
    const attempts: number[] = [];
    running(
      consumeOrders(shipping, async (event, tx) => {
        if (event.subject === 'poison') {
          attempts.push(Date.now());
          throw new Error('handler bug');
        }
        await recordEffect(event, tx);
      }),
    );
    await queueReady();
    await orders.db.transaction((tx) => appendEvents(tx, 'orders', ['poison', 'healthy'].map(orderConfirmed)));
    running(orders.events.relay);

    const dlq = queueNames(names.queue).dlq;
    const dead = await eventually(async () => {
      const msg = await adminChannel.get(dlq, { noAck: true });
      expect(msg).not.toBe(false);
      return msg as GetMessage;
    });
    expect(dead.properties.headers?.[ATTEMPTS_HEADER]).toBe(3);
    expect(dead.properties.headers?.[ERROR_HEADER]).toBe('handler bug');
    expect(dead.properties.type).toBe(ORDER_CONFIRMED);
    expect(attempts).toHaveLength(3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(20);
    expect(await effects(shipping.db)).toEqual(['healthy']);
    expect(await metricValue(shipping.metrics, 'shop_events_failed_total', { type: ORDER_CONFIRMED })).toBe(3);
    // Counted once the broker's confirm of the dead-letter copy has reached the consumer, a moment after the copy is in the queue.
    await eventually(async () => expect(await metricValue(shipping.metrics, 'shop_events_dead_lettered_total', { type: ORDER_CONFIRMED })).toBe(1));
    expect((await adminChannel.checkQueue(names.queue)).messageCount).toBe(0);
  });

  it('runs the handler inside the trace of the request that emitted the event', async () => {
    const orders = await side('orders');
    const shipping = await side('shipping', { effects: true });
    const seen: string[] = [];
    running(
      consumeOrders(shipping, async (event, tx) => {
        seen.push(trace.getActiveSpan()?.spanContext().traceId ?? 'none');
        await recordEffect(event, tx);
      }),
    );
    await queueReady();
    const producerTrace = await trace.getTracer('events-test').startActiveSpan('place order', async (span) => {
      await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed('traced')]));
      span.end();
      return span.spanContext().traceId;
    });
    running(orders.events.relay);
    await eventually(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toBe(producerTrace);
  });

  it('reconnects the relay and the consumer after their connections drop, losing and duplicating nothing', async () => {
    const opened: ChannelModel[] = [];
    const realConnect = amqplib.connect.bind(amqplib) as (url: string, options?: object) => Promise<ChannelModel>;
    const spy = jest.spyOn(amqplib, 'connect').mockImplementation((async (url: string, options?: object) => {
      const connection = await realConnect(url, options);
      opened.push(connection);
      return connection;
    }) as unknown as typeof amqplib.connect);
    cleanups.push(async () => spy.mockRestore());

    const orders = await side('orders', { batchSize: 3 });
    const shipping = await side('shipping', { effects: true });
    running(consumeOrders(shipping));
    await queueReady();
    running(orders.events.relay);
    const subjects = Array.from({ length: 30 }, (_, i) => `o-${String(i).padStart(2, '0')}`);
    for (const subject of subjects.slice(0, 15)) await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed(subject)]));
    await eventually(async () => expect((await effects(shipping.db)).length).toBeGreaterThanOrEqual(5));

    expect(opened).toHaveLength(2);
    for (const connection of opened) {
      (connection.connection as unknown as { stream: { destroy(err: Error): void } }).stream.destroy(new Error('simulated network failure'));
    }
    for (const subject of subjects.slice(15)) await orders.db.transaction((tx) => appendEvents(tx, 'orders', [orderConfirmed(subject)]));

    await eventually(async () => expect([...(await effects(shipping.db))].sort()).toEqual(subjects), 20_000);
    expect(opened.length).toBeGreaterThanOrEqual(4);
    expect((await effects(shipping.db)).length).toBe(subjects.length);
  });
});
