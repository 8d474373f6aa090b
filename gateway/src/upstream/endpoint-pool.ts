import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { Transport, UpstreamConnection } from './transport';

/** Endpoint is one backend address: a resolved IP and port, with the authority to send. */
export interface Endpoint {
  /** address is "ip:port", unique in the pool. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** authority is the configured "host:port", sent as :authority. */
  readonly authority: string;
}

interface EndpointState extends Endpoint {
  conn: UpstreamConnection | undefined;
  failures: number;
  retryAt: number;
  /** connected is true once a connection to it was ready: a failure after that is news, one before is a backend still starting. */
  connected: boolean;
}

/** Resolver returns every address of a host name. */
export type Resolver = (host: string) => Promise<string[]>;

/** EndpointPoolOptions configure an EndpointPool. */
export interface EndpointPoolOptions {
  /** targets are "host:port" entries (several = replicas); each host name may resolve to several addresses. */
  targets: readonly string[];
  transport: Transport;
  connectTimeoutMs: number;
  /** refreshMs is how often host names are resolved again (0: only at start). */
  refreshMs: number;
  resolve?: Resolver;
  log?: Logger;
}

const BACKOFF_INITIAL_MS = 250;
const BACKOFF_MAX_MS = 5_000;

/** parseTarget splits "host:port" or "[v6]:port". */
export function parseTarget(target: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(target.trim());
  const port = Number(match?.[3]);
  if (!match || !(port > 0 && port < 65536)) throw new Error(`invalid backend address ${JSON.stringify(target)}: expected host:port`);
  return { host: match[1] ?? match[2]!, port };
}

const defaultResolve: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * EndpointPool keeps one HTTP/2 connection per backend address and picks
 * addresses round-robin. Host names are resolved to all their addresses
 * (a headless Kubernetes service lists every pod) and resolved again every
 * refreshMs. An address that fails to connect is skipped for a backoff
 * period that doubles up to 5 s; a connection that closes or drains is
 * replaced on the next call.
 */
export class EndpointPool {
  private endpoints: EndpointState[] = [];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: EndpointPoolOptions) {
    this.endpoints = options.targets.map((t) => {
      const { host, port } = parseTarget(t);
      return state(host, port, `${host}:${port}`);
    });
  }

  /** start resolves the host names once and schedules refreshes. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.options.refreshMs > 0 && this.options.targets.some((t) => isIP(parseTarget(t).host) === 0)) {
      this.timer = setInterval(() => void this.refresh(), this.options.refreshMs);
      this.timer.unref();
    }
  }

  /** list returns the current endpoints (for readiness and tests). */
  list(): readonly Endpoint[] {
    return this.endpoints;
  }

  /**
   * pick returns the next endpoint not in backoff, preferring one other than
   * `avoid`; undefined when every endpoint is backing off.
   */
  pick(avoid?: Endpoint): Endpoint | undefined {
    const all = this.endpoints;
    const count = all.length;
    const now = Date.now();
    let fallback: EndpointState | undefined;
    for (let i = 0; i < count; i++) {
      const index = (this.next + i) % count;
      const ep = all[index];
      if (ep.retryAt > now) continue;
      if (ep === avoid) {
        fallback = ep;
        continue;
      }
      this.next = (index + 1) % count;
      return ep;
    }
    return fallback;
  }

  /** retryAfterMs says how long until some endpoint leaves backoff. */
  retryAfterMs(): number {
    const now = Date.now();
    let soonest = Infinity;
    for (const ep of this.endpoints) soonest = Math.min(soonest, ep.retryAt - now);
    return Number.isFinite(soonest) ? Math.max(0, soonest) : BACKOFF_INITIAL_MS;
  }

  /** connection returns the endpoint's open connection, opening one if it has none. */
  connection(endpoint: Endpoint): UpstreamConnection {
    const ep = endpoint as EndpointState;
    if (ep.conn !== undefined && ep.conn.usable) return ep.conn;
    const conn = this.options.transport.connect({
      host: ep.host,
      port: ep.port,
      connectTimeoutMs: this.options.connectTimeoutMs,
      events: {
        onReady: () => {
          if (ep.failures > 0) this.options.log?.info({ backend: ep.authority, address: ep.address }, 'backend reachable');
          ep.failures = 0;
          ep.retryAt = 0;
          ep.connected = true;
        },
        onClose: (failedToConnect, error) => {
          if (ep.conn === conn) ep.conn = undefined;
          if (!failedToConnect || this.closed) return;
          ep.failures += 1;
          ep.retryAt = Date.now() + Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** (ep.failures - 1));
          // A backend still starting is routine: one info line. A lost one, or one that stays away, is a warning (not on every retry).
          const fields = { backend: ep.authority, address: ep.address, err: error?.message, failures: ep.failures };
          if (ep.failures === 1 && !ep.connected) this.options.log?.info({ backend: ep.authority, address: ep.address }, 'waiting for backend to accept connections');
          else if (ep.failures === 1 || ep.failures % 10 === 0) this.options.log?.warn(fields, 'cannot connect to backend');
        },
      },
    });
    ep.conn = conn;
    return conn;
  }

  /** close ends every connection (open calls fail) and stops refreshing. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const ep of this.endpoints) ep.conn?.destroy();
  }

  private async refresh(): Promise<void> {
    const resolve = this.options.resolve ?? defaultResolve;
    const fresh: EndpointState[] = [];
    for (const target of this.options.targets) {
      const { host, port } = parseTarget(target);
      const authority = `${host}:${port}`;
      let addresses: string[];
      if (isIP(host) !== 0) addresses = [host];
      else {
        try {
          addresses = await resolve(host);
        } catch (err) {
          this.options.log?.warn({ backend: authority, err: (err as Error).message }, 'cannot resolve backend host; keeping the addresses known');
          fresh.push(...this.endpoints.filter((e) => e.authority === authority));
          continue;
        }
      }
      for (const ip of addresses) {
        const address = `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
        if (fresh.some((e) => e.address === address)) continue;
        fresh.push(this.endpoints.find((e) => e.address === address) ?? state(ip, port, authority));
      }
    }
    if (this.closed || fresh.length === 0) return;
    for (const old of this.endpoints) if (!fresh.includes(old)) old.conn?.close();
    this.endpoints = fresh;
  }
}

function state(host: string, port: number, authority: string): EndpointState {
  return { address: `${host.includes(':') ? `[${host}]` : host}:${port}`, host, port, authority, conn: undefined, failures: 0, retryAt: 0, connected: false };
}
