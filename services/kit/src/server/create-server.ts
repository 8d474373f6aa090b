import { fromBinary } from '@bufbuild/protobuf';
import {
  Server,
  ServerCredentials,
  type ChannelOptions,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ServedCall } from '../context/served-call';
import { sharedContract, type Contract, type MethodContract } from '../contract/contract';
import { compileFastCheck } from '../contract/fast-rules';
import { createContractRules } from '../contract/rules';
import { toStatus } from '../errors/to-status';
import { resourceExhausted } from '../errors/domain-error';
import { createCallDeadlines, type Chain } from './call-run';
import type { CallStatus, CallStep } from './chain';
import { methodPath, toGrpcDefinition, type ServiceDefinition, type ServiceImplementation, type MethodDefinition } from './definition';
import { createHealth, type Health, type ReadinessCheck } from './health';
import { createReflection } from './reflection';
import { createAuthentication, type Authenticators, type InternalCallers } from './middleware/auth';
import { createCallLogging } from './middleware/logging';
import { createRequestValidation } from './middleware/validation';
import { createServerTracing } from './middleware/tracing';
import { createInFlightLimiter, overloaded, type InFlightLimiter } from './middleware/overload';
import { requestIdFrom } from './middleware/request-id';
import { StreamRun, UnaryRun, type StreamHandler, type UnaryHandler } from './runs';
import { errorOf } from './status-out';
import { MAX_METADATA_BYTES, metadataSize } from './metadata-size';

/** ServerDeps are what createServer needs; main.ts builds them. */
export interface ServerDeps {
  log: Logger;
  /** service is this server's service name, the audience every service token it accepts must name. */
  service: string;
  auth: Authenticators;
  /** internalCallers: which services may call which internal RPCs (see createAuthentication). */
  internalCallers?: InternalCallers;
  /** metrics is the metrics step of the chain (createServerMetrics), if any. */
  metrics?: CallStep;
  contract?: Contract;
  readiness?: ReadinessCheck[];
  /** maxInFlight bounds concurrent calls (default 1000). */
  maxInFlight?: number;
  /** onReject counts a call refused before the chain (for example grpc_server_rejected_total). */
  onReject?: (reason: 'overload') => void;
  /** defaultDeadlineMs applies to calls that arrive without a deadline (default 10 s). */
  defaultDeadlineMs?: number;
  grpcOptions?: ChannelOptions;
}

/** ShopServer is a gRPC server with health, reflection and the runtime's call chain. */
export interface ShopServer {
  readonly grpc: Server;
  readonly health: Health;
  readonly limiter: InFlightLimiter;
  addService<D extends ServiceDefinition>(definition: D, implementation: ServiceImplementation<D>): void;
  /** listen binds host:port (port 0 picks a free one), starts health polling, and resolves to the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** shutdown reports NOT_SERVING, waits drainDelayMs, stops accepting, lets calls finish within graceMs, then cancels the rest. */
  shutdown(options?: { graceMs?: number; drainDelayMs?: number }): Promise<void>;
}

/** KEEPALIVE_TIME_MS is how often the server pings each connection; KEEPALIVE_TIMEOUT_MS how long it waits for the answer. */
const KEEPALIVE_TIME_MS = 4_000;
const KEEPALIVE_TIMEOUT_MS = 4_000;

const SERVER_DEFAULT_OPTIONS: ChannelOptions = {
  // Clients keep idle channels alive with pings (see client keepalive); allow them.
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  'grpc.max_concurrent_streams': 1000,
  // A PING every KEEPALIVE_TIME_MS on every connection, and the connection
  // ends when none comes back within KEEPALIVE_TIMEOUT_MS: it finds peers
  // that vanished, and connections Node's HTTP/2 has given up on without
  // closing them (a header field it cannot decode makes it send GOAWAY and
  // stop reading, leaving the socket open and the client waiting).
  'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
  'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
  // channelz keeps per-call and per-session statistics (closures, counters
  // and timestamps on every call) for a channelz service the runtime does
  // not serve; its own metrics cover the same ground. Off, a cheap call
  // cost several percent less CPU in the runtime benchmark.
  'grpc.enable_channelz': 0,
};

/**
 * createServer builds a service's gRPC server. Every call goes through one
 * ordered pipeline: admission (contract and overload guard, before anything
 * else is spent on the call) and its deadline -> tracing -> logging ->
 * metrics -> authentication -> handler, with one error mapping
 * (outcomeOf), inside an AsyncLocalStorage CallContext (request id,
 * deadline, principals) that outgoing clients read. See CallRun.
 */
export function createServer(deps: ServerDeps): ShopServer {
  const contract = deps.contract ?? sharedContract();
  const rules = createContractRules(contract.registry);
  const grpc = new Server({ ...SERVER_DEFAULT_OPTIONS, ...deps.grpcOptions });
  const health = createHealth(deps.readiness ?? [], deps.log);
  const limiter = createInFlightLimiter(deps.maxInFlight ?? 1000);
  const defaultDeadlineMs = deps.defaultDeadlineMs ?? 10_000;
  // The chain, outermost first: tracing makes the span every later step
  // and the handler run under; logging and metrics see every outcome,
  // including a refused token; authentication, then the contract rules,
  // come last, next to the handler.
  const steps: CallStep[] = [
    createServerTracing(),
    createCallLogging(deps.log),
    ...(deps.metrics ? [deps.metrics] : []),
    createAuthentication(deps.auth, { service: deps.service, internalCallers: deps.internalCallers }),
    createRequestValidation(),
  ];
  const serviceNames: string[] = [];
  let draining = false;

  const chain: Chain = { steps, limiter, deadlines: createCallDeadlines() };

  /**
   * admit decides, before anything is spent on a call, whether it runs: a
   * method missing from the contract (a wiring bug) or a full server
   * answers at once. It returns the call's context, or undefined after
   * answering through `refuse`.
   */
  function admit(
    path: string,
    contractMethod: MethodContract | undefined,
    metadata: Metadata,
    deadline: Date | number,
    refuse: (status: CallStatus, requestId: string) => void,
    source: { getPeer(): string },
  ): ServedCall | undefined {
    const requestId = requestIdFrom(metadata);
    const metadataBytes = metadataSize(metadata);
    if (metadataBytes > MAX_METADATA_BYTES) {
      refuse(toStatus(resourceExhausted('HEADERS_TOO_LARGE', `the request metadata is ${metadataBytes} bytes; at most ${MAX_METADATA_BYTES} are accepted`), requestId).status, requestId);
      return undefined;
    }
    if (!contractMethod) {
      refuse(toStatus(new Error(`${path} is not in the contract`), requestId).status, requestId);
      return undefined;
    }
    if (!limiter.tryEnter()) {
      deps.onReject?.('overload');
      refuse(toStatus(overloaded(), requestId).status, requestId);
      return undefined;
    }
    const callerDeadline = deadline instanceof Date ? deadline.getTime() : deadline;
    const effectiveDeadline = Number.isFinite(callerDeadline) ? callerDeadline : Date.now() + defaultDeadlineMs;
    return new ServedCall(path, requestId, effectiveDeadline, metadata, deps.log, source);
  }

  function adaptUnary(path: string, method: MethodDefinition, handler: UnaryHandler) {
    const contractMethod = contract.method(path);
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const ctx = admit(path, contractMethod, call.metadata, call.getDeadline(), (status, requestId) => callback(errorOf(status, requestId)), call);
      if (ctx === undefined) return;
      new UnaryRun(chain, path, contractMethod!, ctx, call, callback, method, handler).begin();
    };
  }

  function adaptServerStream(path: string, method: MethodDefinition, handler: StreamHandler) {
    const contractMethod = contract.method(path);
    return (call: ServerWritableStream<unknown, unknown>) => {
      const ctx = admit(path, contractMethod, call.metadata, call.getDeadline(), (status, requestId) => call.emit('error', errorOf(status, requestId)), call);
      if (ctx === undefined) return;
      new StreamRun(chain, path, contractMethod!, ctx, call, method, handler).begin();
    };
  }

  return {
    grpc,
    health,
    limiter,
    addService(definition, implementation) {
      const handlers: UntypedServiceImplementation = {};
      for (const [key, method] of Object.entries(definition.methods)) {
        const handler = (implementation as Record<string, unknown>)[key];
        if (typeof handler !== 'function') throw new Error(`${definition.fullName}: no handler for ${method.name}`);
        const path = methodPath(definition, method);
        if (method.requestStream) throw new Error(`${path}: client streaming is not supported by the runtime`);
        const bound = handler.bind(implementation);
        handlers[key] = method.responseStream ? adaptServerStream(path, method, bound) : adaptUnary(path, method, bound);
      }
      grpc.addService(
        toGrpcDefinition(definition, (path) => {
          const input = contract.method(path)?.desc.input;
          if (input === undefined || !rules.appliesTo(input)) return undefined;
          // A request the fast check finds valid costs no second decoding (see contract/fast-rules.ts).
          const fast = compileFastCheck(contract.registry, input) ?? (() => false);
          return (request, bytes) => {
            if (fast(request)) return undefined;
            try {
              const violations = rules.check(input, fromBinary(input, bytes));
              return violations.length > 0 ? { kind: 'invalid', violations } : undefined;
            } catch (error) {
              // A request protobuf-es cannot decode or a rule that cannot be evaluated: answered as the step's error, not the deserializer's.
              return { kind: 'error', error };
            }
          };
        }),
        handlers,
      );
      serviceNames.push(definition.fullName);
      health.track(definition.fullName);
    },
    async listen(host, port) {
      health.implementation.addToServer(grpc);
      createReflection(serviceNames).addToServer(grpc);
      const bound = await new Promise<number>((resolve, reject) =>
        grpc.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
      );
      await health.refresh();
      health.start(5_000);
      return bound;
    },
    async shutdown({ graceMs = 10_000, drainDelayMs = 0 } = {}) {
      if (draining) return;
      draining = true;
      health.drain();
      health.stop();
      // Give load balancers and clients time to see NOT_SERVING before the
      // listener closes.
      if (drainDelayMs > 0) await new Promise((r) => setTimeout(r, drainDelayMs));
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          deps.log.warn({ graceMs }, 'grace period over: cancelling the calls still running');
          grpc.forceShutdown();
          resolve();
        }, graceMs);
        grpc.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
