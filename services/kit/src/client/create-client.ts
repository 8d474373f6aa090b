import { credentials as grpcCredentials, type ChannelCredentials, type Interceptor } from '@grpc/grpc-js';
import { createPromiseClient, type PromiseClient } from '@shop/sdk/lib/promise-client';
import { sharedContract, type Contract } from '../contract/contract';
import type { ServiceDefinition } from '../server/definition';
import { buildServiceConfig, type RetryOptions } from './service-config';
import { createPropagation, type ServiceTokenSource } from './propagation';

/** MeshClientDeps are shared by every client a process makes. */
export interface MeshClientDeps {
  /** serviceToken proves this service's identity on every outgoing call. */
  serviceToken?: ServiceTokenSource;
  /** interceptors are grpc-js client interceptors for metrics and tracing (createClientTelemetry). */
  interceptors?: Interceptor[];
  contract?: Contract;
  credentials?: ChannelCredentials;
}

/** ClientOptions tune one client. */
export interface ClientOptions {
  /** defaultTimeoutMs bounds each call when no earlier deadline applies (default 5 s). */
  defaultTimeoutMs?: number;
  /** timeoutsMs overrides the timeout per method name, for example `{ PlaceOrder: 15000 }`. */
  timeoutsMs?: Readonly<Record<string, number>>;
  retry?: RetryOptions;
  /**
   * audience is the name of the service called, which the service token
   * names; by default the service of the definition's package
   * (`shop.payments.v1.PaymentService` is "payments"). A definition every
   * service serves (EventFeedService) needs it said.
   */
  audience?: string;
}

/** audienceOf is the service a definition belongs to: the second part of its package, `shop.<service>.v1`. */
export function audienceOf(definition: ServiceDefinition): string {
  const parts = definition.fullName.split('.');
  if (parts.length !== 4 || parts[0] !== 'shop') throw new Error(`${definition.fullName} is not a shop.<service>.v1 service: say the audience`);
  return parts[1]!;
}

/** MeshClient is a typed promise client of one service. */
export type MeshClient<D extends ServiceDefinition> = PromiseClient<D> & { close(): void };

const CHANNEL_DEFAULTS = {
  // Detect dead peers on idle channels (a pod gone without a FIN) within ~40 s.
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  // No channelz service is served; its per-call bookkeeping is pure cost (see createServer).
  'grpc.enable_channelz': 0,
};

/**
 * createMeshClients returns `createClient(definition, target, options)` for
 * a process. A target "host:port" resolves through DNS to every address and
 * calls are balanced round-robin across them; see buildServiceConfig for
 * timeouts and retries, createPropagation for what travels with each call.
 */
export function createMeshClients(deps: MeshClientDeps = {}) {
  const contract = deps.contract ?? sharedContract();
  const clients: Array<{ close(): void }> = [];
  return {
    createClient<D extends ServiceDefinition>(definition: D, target: string, options: ClientOptions = {}): MeshClient<D> {
      const prepare = [createPropagation(options.audience ?? audienceOf(definition), deps.serviceToken)];
      const client = createPromiseClient(definition, target, deps.credentials ?? grpcCredentials.createInsecure(), {
        prepare,
        interceptors: deps.interceptors,
        channelOptions: {
          ...CHANNEL_DEFAULTS,
          'grpc.service_config': buildServiceConfig(definition, contract, {
            defaultTimeoutMs: options.defaultTimeoutMs ?? 5_000,
            timeoutsMs: options.timeoutsMs,
            retry: options.retry,
          }),
        },
      });
      clients.push(client);
      return client;
    },
    close(): void {
      for (const client of clients) client.close();
    },
  };
}
