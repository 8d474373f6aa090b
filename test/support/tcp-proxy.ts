import { createServer, connect, type Server, type Socket } from 'node:net';

/** TcpProxy forwards connections to a target and can cut them, like a broker going away. */
export interface TcpProxy {
  /** port is where the proxy listens on 127.0.0.1. */
  port: number;
  /** connections is how many client connections are open through the proxy now. */
  connections(): number;
  /**
   * interrupt destroys every open connection and refuses new ones for downMs
   * (they are accepted and closed at once), as a broker restart does; it
   * resolves when the proxy forwards again.
   */
  interrupt(downMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * startTcpProxy puts a plain TCP forwarder in front of host:port. The
 * end-to-end suites route a run's services to RabbitMQ through one, so they
 * can drop exactly this run's broker connections (other suites share the
 * broker and must not notice) without rabbitmqctl, which a CI runner with
 * RabbitMQ in a service container does not have.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    connections: () => open.size / 2,
    async interrupt(downMs) {
      down = true;
      for (const socket of open) socket.destroy();
      open.clear();
      await new Promise((r) => setTimeout(r, downMs));
      down = false;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
