import type { ChannelModel } from 'amqplib';
import { captureLogger } from '../testing/capture-logger';
import { keepConnected } from './amqp-connection';
import { eventually } from './test-harness';

const AMQP_URL = process.env.TEST_AMQP_URL || undefined;
const SKIPPED = 'TEST_AMQP_URL is not set: skipping the RabbitMQ connection tests';
if (!AMQP_URL) console.warn(SKIPPED);
const describeAmqp = AMQP_URL ? describe : describe.skip;

/** dropConnection breaks a connection's socket with an error, as a broker restart or a network failure would. */
function dropConnection(connection: ChannelModel): void {
  (connection.connection as unknown as { stream: { destroy(err: Error): void } }).stream.destroy(new Error('simulated network failure'));
}

describeAmqp(AMQP_URL ? 'keepConnected' : `keepConnected (${SKIPPED})`, () => {
  it('sets up again on a new connection after the connection drops, and closes it on stop', async () => {
    const { log } = captureLogger();
    const connections: ChannelModel[] = [];
    const link = keepConnected({
      url: AMQP_URL!,
      name: 'keep-connected-test',
      log,
      initialDelayMs: 10,
      maxDelayMs: 100,
      async onConnect(connection) {
        await (await connection.createChannel()).close();
        connections.push(connection);
      },
    });
    try {
      await eventually(() => expect(connections).toHaveLength(1));
      let closed = false;
      connections[0]!.on('close', () => (closed = true));
      dropConnection(connections[0]!);
      await eventually(() => expect(connections).toHaveLength(2));
      expect(closed).toBe(true);
      expect(connections[1]).not.toBe(connections[0]);
    } finally {
      await link.stop();
    }
    // A closed connection refuses new channels.
    await expect(connections[1]!.createChannel()).rejects.toThrow();
  });

  it('sets up again after a set-up that failed, backing off in between', async () => {
    const { log, lines } = captureLogger();
    const attempts: number[] = [];
    const link = keepConnected({
      url: AMQP_URL!,
      name: 'keep-connected-test',
      log,
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      async onConnect(connection) {
        attempts.push(Date.now());
        // Declaring an existing exchange with another type closes the channel: a set-up failure.
        const ch = await connection.createChannel();
        ch.on('error', () => undefined);
        if (attempts.length < 3) await ch.assertExchange('amq.topic', 'direct');
      },
    });
    try {
      await eventually(() => expect(attempts).toHaveLength(3));
            // Pauses of 80-100 ms, then 160-200 ms, plus the time to connect.
      expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(80);
      expect(attempts[2]! - attempts[1]!).toBeGreaterThan(attempts[1]! - attempts[0]!);
      expect(lines.some((l) => l.msg === 'cannot connect to RabbitMQ; retrying')).toBe(true);
    } finally {
      await link.stop();
    }
  });

  it('keeps trying while the broker cannot be reached, and stops when asked', async () => {
    const { log, lines } = captureLogger();
    const onConnect = jest.fn(async () => undefined);
    const link = keepConnected({ url: 'amqp://guest:guest@127.0.0.1:1', name: 'unreachable', log, initialDelayMs: 10, maxDelayMs: 50, onConnect });
    await eventually(() => expect(lines.filter((l) => l.msg === 'cannot connect to RabbitMQ; retrying').length).toBeGreaterThanOrEqual(3));
    const stopping = Date.now();
    await link.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    expect(onConnect).not.toHaveBeenCalled();
  });
});
