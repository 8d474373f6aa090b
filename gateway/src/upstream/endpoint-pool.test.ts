import pino from 'pino';
import { EndpointPool } from './endpoint-pool';
import type { ConnectionEvents, Transport, UpstreamConnection } from './transport';

/** scriptedTransport hands out connections whose fate the test decides through their events. */
function scriptedTransport() {
  const attempts: ConnectionEvents[] = [];
  const transport: Transport = {
    name: 'scripted',
    connect({ events }) {
      attempts.push(events);
      let usable = true;
      const conn: UpstreamConnection = {
        get usable() {
          return usable;
        },
        activeStreams: 0,
        open: () => {
          throw new Error('not used');
        },
        close: () => (usable = false),
        destroy: () => (usable = false),
      };
      const close = events.onClose;
      events.onClose = (failed, err) => {
        usable = false;
        close(failed, err);
      };
      return conn;
    },
  };
  return { transport, attempts };
}

function capture() {
  const lines: Array<{ level: number; msg: string; failures?: number }> = [];
  return { lines, log: pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) }) };
}

describe('EndpointPool logging', () => {
  it('says once that it waits for a backend still starting, then that it is reachable; no warning', () => {
    const { transport, attempts } = scriptedTransport();
    const { lines, log } = capture();
    const pool = new EndpointPool({ targets: ['127.0.0.1:50052'], transport, connectTimeoutMs: 100, refreshMs: 0, log });
    const ep = pool.list()[0];
    for (let i = 0; i < 5; i++) {
      pool.connection(ep);
      attempts.at(-1)!.onClose(true, new Error('connect ECONNREFUSED'));
    }
    pool.connection(ep);
    attempts.at(-1)!.onReady();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'waiting for backend to accept connections'],
      [30, 'backend reachable'],
    ]);
    pool.close();
  });

  it('warns when a backend it reached is lost, and every tenth failure after, not on each retry', () => {
    const { transport, attempts } = scriptedTransport();
    const { lines, log } = capture();
    const pool = new EndpointPool({ targets: ['127.0.0.1:50052'], transport, connectTimeoutMs: 100, refreshMs: 0, log });
    const ep = pool.list()[0];
    pool.connection(ep);
    attempts.at(-1)!.onReady();
    attempts.at(-1)!.onClose(false);
    for (let i = 0; i < 20; i++) {
      pool.connection(ep);
      attempts.at(-1)!.onClose(true, new Error('connect ECONNREFUSED'));
    }
    expect(lines.filter((l) => l.level === 40).map((l) => l.failures)).toEqual([1, 10, 20]);
    pool.close();
  });
});
