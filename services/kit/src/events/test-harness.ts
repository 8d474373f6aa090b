/**
 * Helpers for the events module's own tests (not exported): databases for a
 * producer and a consumer on either backend, a producer that serves its
 * feed over gRPC, a consumer with a real service identity, and a database
 * wrapper that fails chosen statements to simulate a crash.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import pino from 'pino';
import { Client } from 'pg';
import { createMeshClients } from '../client/create-client';
import { createServer, type ShopServer } from '../server/create-server';
import { createServerMetrics } from '../server/middleware/metrics';
import { migrate } from '../store/migrate';
import { openDatabase } from '../store/open-database';
import { createPgliteDatabase } from '../store/pglite';
import type { Database, Queryable } from '../store/types';
import { createMetrics } from '../telemetry/metrics';
import type { TestAuth } from '../testing/test-auth';
import { createEvents } from './create-events';
import type { Events, EventsOptions, NewEvent } from './types';

/** StoreKind is a storage backend the suites run on. */
export type StoreKind = 'PGlite' | 'PostgreSQL';

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

/** storeKinds lists PGlite, and PostgreSQL when TEST_DATABASE_URL is set (saying so when it is not). */
export function storeKinds(): StoreKind[] {
  if (TEST_DATABASE_URL) return ['PGlite', 'PostgreSQL'];
  console.warn('TEST_DATABASE_URL is not set: skipping the PostgreSQL runs of the events suite (PGlite only)');
  return ['PGlite'];
}

/** TestDb is a fresh, migrated database (its own schema) and how to remove it. */
export interface TestDb {
  db: Database;
  dispose(): Promise<void>;
}

/**
 * createStores opens fresh databases of one kind. PGlite instances take a
 * second or two to start, so they are kept and reused across tests, each
 * test getting its own schema; one instance serves one database at a time,
 * since the schema is chosen with the connection's search_path.
 */
export function createStores(kind: StoreKind) {
  const idle: Database[] = [];
  const all: Database[] = [];
  const schema = () => `ev_${randomBytes(5).toString('hex')}`;
  return {
    async open(): Promise<TestDb> {
      const name = schema();
      if (kind === 'PostgreSQL') {
        const db = await openDatabase({ service: 'events-test', databaseUrl: TEST_DATABASE_URL, schema: name });
        await migrate(db, []);
        return {
          db,
          async dispose() {
            await db.close();
            const client = new Client({ connectionString: TEST_DATABASE_URL });
            await client.connect();
            await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).finally(() => client.end());
          },
        };
      }
      let db = idle.pop();
      if (db === undefined) {
        db = await createPgliteDatabase({});
        all.push(db);
      }
      const instance = db;
      await instance.query(`CREATE SCHEMA ${name}; SET search_path TO ${name}`);
      await migrate(instance, []);
      return {
        db: instance,
        async dispose() {
          await instance.query(`DROP SCHEMA ${name} CASCADE; SET search_path TO public`);
          idle.push(instance);
        },
      };
    },
    async release() {
      await Promise.all(all.splice(0).map((db) => db.close()));
      idle.length = 0;
    },
  };
}

/** quietLog is a logger for tests that only look at behaviour. */
export const quietLog: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** ServiceUnderTest is one side of a test: its database, events and metrics registry. */
export interface ServiceUnderTest {
  name: string;
  db: Database;
  events: Events;
  metrics: ReturnType<typeof createMetrics>;
  /** address is where its feed is served, when serveFeed was asked for. */
  address?: string;
  close(): Promise<void>;
}

/**
 * startSide creates a service's events over db with a real service identity
 * from auth; with serveFeed it also serves the EventFeedService on a free
 * port, open to the given callers.
 */
export async function startSide(
  name: string,
  db: Database,
  auth: TestAuth,
  options: Partial<EventsOptions> & { serveFeed?: { callers: string[] } } = {},
): Promise<ServiceUnderTest> {
  const identity = await auth.identity(name);
  const clients = createMeshClients({ serviceToken: (audience) => identity.token(audience) });
  const metrics = createMetrics({ service: name, defaultMetrics: false });
  const { serveFeed, ...eventOptions } = options;
  const events = createEvents({ service: name, db, log: quietLog, clients, metrics, pollIntervalMs: 20, ...eventOptions });
  let server: ShopServer | undefined;
  let address: string | undefined;
  if (serveFeed) {
    server = createServer({ log: quietLog, service: name, auth: auth.authenticators, internalCallers: { PullEvents: serveFeed.callers }, metrics: createServerMetrics(metrics) });
    server.addService(events.feed.definition, events.feed.implementation as never);
    address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  }
  return {
    name,
    db,
    events,
    metrics,
    address,
    async close() {
      await server?.shutdown({ graceMs: 0 });
      clients.close();
    },
  };
}

/** orderConfirmed is a sample event about order orderId. */
export function orderConfirmed(orderId: string): NewEvent {
  return {
    subject: orderId,
    payload: {
      $case: 'orderConfirmed',
      value: { orderId, userId: 'ada', items: [], total: undefined, shippingAddress: undefined, paymentId: `pay-${orderId}` },
    },
  };
}

/** ORDER_CONFIRMED is the type of orderConfirmed events. */
export const ORDER_CONFIRMED = 'shop.events.v1.OrderConfirmed';

/** createEffects makes the table test handlers write to: one row per handler run, so a duplicate effect shows as a second row. */
export async function createEffects(db: Queryable): Promise<void> {
  await db.query('CREATE TABLE effects (seq serial PRIMARY KEY, event_id text NOT NULL, subject text NOT NULL)');
}

/** recordEffect is a handler body: it records the event in effects through the handler's transaction. */
export async function recordEffect(event: { id: string; subject: string }, tx: Queryable): Promise<void> {
  await tx.query('INSERT INTO effects (event_id, subject) VALUES ($1, $2)', [event.id, event.subject]);
}

/** effects lists the subjects of the recorded effects in the order they were applied. */
export async function effects(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ subject: string }>('SELECT subject FROM effects ORDER BY seq');
  return rows.map((r) => r.subject);
}

/** eventually retries check until it stops throwing, or throws its last error after timeoutMs. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** metricValue reads one series of a metric from a registry (0 when absent). */
export async function metricValue(metrics: { registry: ServiceUnderTest['metrics']['registry'] }, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
  return match?.value ?? 0;
}

/**
 * failingStatements wraps db so that statements matching pattern, inside
 * transactions, throw while shouldFail() says so: a crash at that point,
 * after the earlier statements of the transaction ran (which then roll back).
 */
export function failingStatements(db: Database, pattern: RegExp, shouldFail: () => boolean): Database {
  const guard = (q: Queryable): Queryable => ({
    query: async <R>(sql: string, params?: unknown[]) => {
      if (pattern.test(sql) && shouldFail()) throw new Error('simulated crash');
      return q.query<R>(sql, params);
    },
  });
  return {
    kind: db.kind,
    query: <R>(sql: string, params?: unknown[]) => guard(db).query<R>(sql, params),
    transaction: (fn, opts) => db.transaction((tx) => fn(guard(tx)), opts),
    listen: (topic, onNotify) => db.listen(topic, onNotify),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
