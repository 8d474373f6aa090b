import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { createPgliteDatabase, loadMigrations, migrate, openDatabase, type Database } from '@shop/kit';
import { backends, captureLogger, dropSchema, TEST_DATABASE_URL, type Backend } from '@shop/kit/testing';
import { initialSaga, type Step, type StepOutcome } from '../src/domain/saga';
import { Failures } from '../src/domain/step-outcomes';
import { createOrderNotifier } from '../src/saga/order-notifier';
import { createPaymentTokens } from '../src/saga/payment-tokens';
import { createSagaRunner, type SagaRunner } from '../src/saga/saga-runner';
import type { SagaSteps } from '../src/saga/saga-steps';
import { findOrder, insertOrder } from '../src/store/order-repo';
import { insertSaga, readLog, readSaga } from '../src/store/saga-repo';

const MIGRATIONS = path.join(__dirname, '..', 'migrations');

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The saga runner against a real database and scripted steps (no other
 * services): retries, deferral of a failing compensation to the recovery
 * loop, and two runners (two replicas) sharing the work.
 */
describe.each(backends())('the saga runner on %s', (backend: Backend) => {
  let dbs: Database[];
  let schema: string;
  let pglite: Database | undefined;
  const runners: SagaRunner[] = [];

  beforeAll(async () => {
    if (backend === 'pglite') pglite = await createPgliteDatabase({});
  });
  afterAll(() => pglite?.close());

  beforeEach(async () => {
    schema = `t_orders_runner_${randomBytes(4).toString('hex')}`;
    if (backend === 'pglite') {
      await pglite!.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
      dbs = [pglite!, pglite!];
    } else {
      const connect = () => openDatabase({ service: 'orders', databaseUrl: TEST_DATABASE_URL, schema });
      dbs = [await connect(), await connect()];
    }
    await migrate(dbs[0]!, await loadMigrations(MIGRATIONS));
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    if (backend === 'pglite') await pglite!.query(`DROP SCHEMA ${schema} CASCADE; SET search_path TO public`);
    else {
      await Promise.all(dbs.map((db) => db.close()));
      await dropSchema(schema);
    }
  });

  async function newOrder(db: Database): Promise<string> {
    const id = randomUUID();
    await db.transaction(async (tx) => {
      await insertOrder(tx, {
        id,
        userId: 'ada',
        idempotencyKey: id,
        requestHash: 'h',
        priced: { lines: [{ productId: 'p', sku: 'SKU-1', name: 'Mug', quantity: 1n, unitPriceMinor: 100n }], currencyCode: 'EUR', totalMinor: 100n },
        shippingAddress: { recipient: 'Ada', lines: ['1 Road'], city: 'London', postalCode: 'N1', region: '', countryCode: 'GB' },
      });
      await insertSaga(tx, id, initialSaga());
    });
    return id;
  }

  function runner(db: Database, steps: SagaSteps, owner: string, overrides: { maxAttempts?: number; recoveryIntervalMs?: number } = {}): SagaRunner {
    const r = createSagaRunner({
      db,
      steps,
      notifier: createOrderNotifier(),
      log: captureLogger().log,
      owner,
      leaseMs: 5_000,
      stepTimeoutMs: 30_000,
      maxAttempts: overrides.maxAttempts ?? 3,
      backoffMs: 1,
      maxBackoffMs: 50,
      recoveryIntervalMs: overrides.recoveryIntervalMs ?? 20,
      recoveryBatch: 50,
      tokens: createPaymentTokens({ ttlMs: 60_000, maxEntries: 100 }),
    });
    runners.push(r);
    return r;
  }

  async function untilState(db: Database, orderId: string, state: string): Promise<string> {
    let seen = '';
    for (let waited = 0; waited < 15_000 && seen !== state; waited += 20) {
      seen = (await findOrder(db, orderId))!.state;
      if (seen !== state) await sleep(20);
    }
    return seen;
  }

  it('keeps a failing compensation going through the recovery loop and ends FAILED only once it succeeded', async () => {
    const id = await newOrder(dbs[0]!);
    let releases = 0;
    const steps: SagaSteps = {
      async run(step: Step): Promise<StepOutcome> {
        if (step === 'CHARGE') return { kind: 'refused', failure: Failures.declined, paymentId: 'pay-1' };
        if (step === 'RELEASE') return ++releases < 8 ? { kind: 'retry', error: '14 : inventory is down' } : { kind: 'done' };
        return { kind: 'done' };
      },
    };
    const r = runner(dbs[0]!, steps, 'runner-a', { maxAttempts: 3 });
    r.kick(id);
    for (let waited = 0; releases < 3 && waited < 10_000; waited += 10) await sleep(10);
    await sleep(100);
    // Out of attempts, the compensation waits for the recovery loop: still PENDING, still COMPENSATING.
    expect(releases).toBe(3);
    expect((await findOrder(dbs[0]!, id))!.state).toBe('PENDING');
    expect((await readSaga(dbs[0]!, id))!.state.phase).toBe('COMPENSATING');
    r.start();
    expect(await untilState(dbs[0]!, id, 'FAILED')).toBe('FAILED');
    expect(releases).toBe(8);
    const order = await findOrder(dbs[0]!, id);
    expect(order).toMatchObject({ failureReason: 'Your payment was declined.', paymentId: 'pay-1' });
    const log = await readLog(dbs[0]!, id);
    expect(log.filter((e) => e.step === 'RELEASE' && e.event === 'retry')).toHaveLength(7);
    expect(log.filter((e) => e.step === 'RELEASE' && e.event === 'started')).toHaveLength(8);
    expect(log.at(-1)).toMatchObject({ step: 'SAGA', event: 'finished', detail: 'FAILED' });
  });

  it('lets two runners share the work without ever driving one order at the same time', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => newOrder(dbs[0]!)));
    const inFlight = new Map<string, number>();
    const calls = new Map<string, Step[]>();
    let overlaps = 0;
    const steps: SagaSteps = {
      async run(step, { order }) {
        const now = (inFlight.get(order.id) ?? 0) + 1;
        inFlight.set(order.id, now);
        if (now > 1) overlaps += 1;
        calls.set(order.id, [...(calls.get(order.id) ?? []), step]);
        await sleep(2 + Math.random() * 10);
        inFlight.set(order.id, now - 1);
        return step === 'CHARGE' ? { kind: 'done', paymentId: `pay-${order.id}` } : { kind: 'done' };
      },
    };
    const a = runner(dbs[0]!, steps, 'runner-a', { recoveryIntervalMs: 5 });
    const b = runner(dbs[1]!, steps, 'runner-b', { recoveryIntervalMs: 5 });
    // Both go for every order at once, and keep looking through their recovery loops.
    for (const id of ids) {
      a.kick(id);
      b.kick(id);
    }
    a.start();
    b.start();
    for (const id of ids) expect(await untilState(dbs[0]!, id, 'CONFIRMED')).toBe('CONFIRMED');
    expect(overlaps).toBe(0);
    for (const id of ids) expect(calls.get(id)).toEqual(['RESERVE', 'CHARGE', 'COMMIT']);
    // Nothing failed, so each order was claimed once and driven to the end by one runner.
    for (const id of ids) {
      const owners = new Set((await readLog(dbs[0]!, id)).map((e) => e.owner).filter((o) => o !== ''));
      expect(owners.size).toBe(1);
    }
  });
});
