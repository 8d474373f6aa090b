import { Client } from 'pg';
import { backoffDelay } from '../events/backoff';
import { quoteIdentifier } from './sql-identifier';

/** Subscription is one listen() registration; close() ends it. */
export interface Subscription {
  close(): Promise<void>;
}

/** TOPIC is what a topic name may be: lower-case letters and underscores. */
const TOPIC = /^[a-z][a-z_]*$/;

/**
 * NOTIFY_SQL wakes, once the transaction running it commits, every process
 * listening to the topic ($1) in the schema the statement runs in: on the
 * same database, in any replica. A rolled-back transaction notifies nobody.
 */
export const NOTIFY_SQL = `SELECT pg_notify(current_schema() || '__' || $1, '')`;

/**
 * channelFor is the PostgreSQL channel of a topic in a schema,
 * "<schema>__<topic>" (a plain identifier, the same quoted or not), the name NOTIFY_SQL notifies. Several services sharing
 * one database in their own schemas (CI, tests) do not wake each other.
 */
export function channelFor(schema: string, topic: string): string {
  if (!TOPIC.test(topic)) throw new TypeError(`topic ${JSON.stringify(topic)} must be lower-case letters and underscores`);
  const channel = `${schema}__${topic}`;
  // Longer channel names are truncated by LISTEN but not by pg_notify: they would never meet.
  if (Buffer.byteLength(channel) > 63) throw new RangeError(`channel ${channel} is longer than PostgreSQL's 63 bytes`);
  return channel;
}

/** PostgresListenerOptions configure createPostgresListener. */
export interface PostgresListenerOptions {
  url: string;
  schema: string;
  applicationName?: string;
  onError: (err: Error) => void;
}

/** Listener holds a connection that LISTENs for a Database. */
export interface Listener {
  listen(topic: string, onNotify: () => void): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * createPostgresListener keeps one connection of its own (a pooled one can
 * not hold LISTEN) open while anything listens. When it is lost (server
 * restart, network), it reconnects with backoff, LISTENs again and calls
 * every handler once, since notifications sent meanwhile are gone: a
 * handler must treat a call as "look again", never as "exactly one event".
 */
export function createPostgresListener(options: PostgresListenerOptions): Listener {
  const handlers = new Map<string, Set<() => void>>();
  let client: Client | undefined;
  let connecting: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;

  // A throwing onError must not leave the connection unreplaced.
  const report = (err: unknown) => {
    try {
      options.onError(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // Nothing more to do with it.
    }
  };

  const wakeAll = () => {
    for (const set of handlers.values()) for (const fn of set) fn();
  };

  const connect = (): Promise<void> =>
    (connecting ??= (async () => {
      const c = new Client({
        connectionString: options.url,
        application_name: options.applicationName && `${options.applicationName} listener`,
        connectionTimeoutMillis: 10_000,
        keepAlive: true,
      });
      c.on('notification', (msg) => {
        for (const fn of handlers.get(msg.channel) ?? []) fn();
      });
      c.on('error', (err) => {
        lost(c);
        report(err);
      });
      c.on('end', () => lost(c));
      try {
        await c.connect();
        for (const channel of handlers.keys()) await c.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch (err) {
        c.end().catch(() => undefined);
        throw err;
      }
      if (closed) {
        await c.end();
        return;
      }
      client = c;
      const reconnected = failures > 0;
      failures = 0;
      if (reconnected) wakeAll();
    })().finally(() => {
      connecting = undefined;
    }));

  const lost = (c: Client) => {
    if (client !== c) return;
    client = undefined;
    c.end().catch(() => undefined);
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || retry !== undefined) return;
    failures += 1;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((err: unknown) => {
        report(err);
        scheduleReconnect();
      });
    }, backoffDelay(failures, { initialMs: 250, maxMs: 5_000 }));
    retry.unref();
  };

  return {
    async listen(topic, onNotify) {
      const channel = channelFor(options.schema, topic);
      const isNew = !handlers.has(channel);
      const set = handlers.get(channel) ?? new Set();
      handlers.set(channel, set);
      set.add(onNotify);
      try {
        if (client === undefined) await connect();
        else if (isNew) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch (err) {
        // The handler stays registered: the reconnect LISTENs and wakes it.
        report(err);
        if (client === undefined) scheduleReconnect();
      }
      return {
        async close() {
          set.delete(onNotify);
          if (set.size > 0 || handlers.get(channel) !== set) return;
          handlers.delete(channel);
          await client?.query(`UNLISTEN ${quoteIdentifier(channel)}`).catch(() => undefined);
        },
      };
    },
    async close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      await connecting?.catch(() => undefined);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
