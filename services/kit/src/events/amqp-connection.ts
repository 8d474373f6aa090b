import { connect, type Channel, type ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { backoffDelay, sleep } from './backoff';

/** AmqpLinkOptions configure keepConnected. */
export interface AmqpLinkOptions {
  url: string;
  /** name shows up as the connection name in RabbitMQ's management UI and in logs. */
  name: string;
  log: Logger;
  /**
   * onConnect sets up channels, topology and consumers on a fresh
   * connection. If it throws, the connection is closed and tried again
   * after the backoff.
   */
  onConnect(connection: ChannelModel): Promise<void>;
  /** onDisconnect runs when the connection is lost or closed, before any reconnect. */
  onDisconnect?(): void;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** AmqpLink is a RabbitMQ connection that comes back after it drops. */
export interface AmqpLink {
  /** stop closes the connection and stops reconnecting. */
  stop(): Promise<void>;
}

/**
 * keepConnected opens a connection, runs onConnect on it, and when it is
 * lost (broker restart, network cut, a channel closed by a channel error)
 * reconnects with exponential backoff and runs onConnect again. Channel
 * errors close the whole connection through closeWith, so every failure
 * takes the same path back. Nothing is lost meanwhile: relays leave rows
 * unpublished and consumers leave messages unacknowledged, and both are
 * taken up again on the new connection.
 */
export function keepConnected(options: AmqpLinkOptions): AmqpLink {
  const { url, name, log } = options;
  const stopping = new AbortController();
  const stopped = new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));

  /** session connects, sets up, and resolves when the connection is gone or stop was called. */
  const session = async (): Promise<void> => {
    const connection = await connect(url, { clientProperties: { connection_name: name } });
    const closed = new Promise<void>((resolve) => connection.once('close', () => resolve()));
    connection.on('error', (err: Error) => log.warn({ err, connection: name }, 'RabbitMQ connection error'));
    try {
      if (stopping.signal.aborted) return;
      await options.onConnect(connection);
      if (stopping.signal.aborted) return;
      log.info({ connection: name }, 'connected to RabbitMQ');
      await Promise.race([closed, stopped]);
    } finally {
      // Closing an already closed connection fails harmlessly; a stop or a failed set-up needs it.
      await closeConnection(connection);
    }
  };

  const run = async () => {
    let attempt = 0;
    while (!stopping.signal.aborted) {
      const started = Date.now();
      try {
        await session();
        if (!stopping.signal.aborted) log.warn({ connection: name }, 'RabbitMQ connection lost; reconnecting');
      } catch (err) {
        if (!stopping.signal.aborted) log.warn({ err, connection: name, attempt }, 'cannot connect to RabbitMQ; retrying');
      }
      options.onDisconnect?.();
      if (stopping.signal.aborted) break;
      // A connection that lived a while starts the backoff over; one that failed at once backs off further.
      attempt = Date.now() - started > options.maxDelayMs ? 1 : attempt + 1;
      await sleep(backoffDelay(attempt, { initialMs: options.initialDelayMs, maxMs: options.maxDelayMs }), stopping.signal);
    }
  };
  const running = run();

  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

const CLOSE_TIMEOUT_MS = 2_000;

/**
 * closeConnection closes a connection, giving the broker CLOSE_TIMEOUT_MS to
 * answer. amqplib's close() waits for the broker's close-ok forever, and a
 * connection whose peer vanished without a FIN or an error (until heartbeats
 * notice) never gets one; its socket is then destroyed.
 */
async function closeConnection(connection: ChannelModel): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS);
  });
  const closed = connection.close().then(
    () => false,
    () => false,
  );
  if (await Promise.race([closed, timedOut])) {
    // amqplib keeps the socket on the connection as `stream`; it is not in the typings.
    (connection.connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
  }
  clearTimeout(timer);
}

/**
 * closeWith makes a channel's failure end its connection, so keepConnected
 * reconnects and sets everything up again. It also gives the channel an
 * 'error' listener: amqplib emits channel errors as events, and an event
 * without a listener would crash the process.
 */
export function closeWith(channel: Channel, connection: ChannelModel, log: Logger): void {
  channel.on('error', (err: Error) => log.warn({ err }, 'RabbitMQ channel error'));
  channel.on('close', () => {
    connection.close().catch(() => undefined);
  });
}
