import {
  Metadata,
  Server,
  ServerCredentials,
  status as Code,
  type ChannelOptions,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { callContextStorage, type CallContext } from '../context/call-context';
import { ServedCall } from '../context/served-call';
import { sharedContract, type Contract } from '../contract/contract';
import { compose, type CallInfo, type CallStatus, type Middleware, type Outcome } from './chain';
import { methodPath, toGrpcDefinition, type DeepPartial, type MethodDefinition, type ServiceDefinition, type ServiceImplementation } from './definition';
import { createHealth, type Health, type ReadinessCheck } from './health';
import { createReflection } from './reflection';
import { createAuthentication, type Authenticators, type InternalCallers } from './middleware/auth';
import { createCallLogging } from './middleware/logging';
import { createServerTracing } from './middleware/tracing';
import { errorMapping } from './middleware/errors';
import { createInFlightLimiter, overloaded, type InFlightLimiter } from './middleware/overload';
import { toStatus } from '../errors/to-status';
import { deadlineExceeded } from '../errors/domain-error';
import { REQUEST_ID_HEADER, requestIdFrom } from './middleware/request-id';

/** ServerDeps are what createServer needs; main.ts builds them. */
export interface ServerDeps {
  log: Logger;
  auth: Authenticators;
  /** internalCallers: which services may call which internal RPCs (see createAuthentication). */
  internalCallers?: InternalCallers;
  /** metrics is the metrics link of the chain (createServerMetrics), if any. */
  metrics?: Middleware;
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

const SERVER_DEFAULT_OPTIONS: ChannelOptions = {
  // Clients keep idle channels alive with pings (see client keepalive); allow them.
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  'grpc.max_concurrent_streams': 1000,
};

/**
 * createServer builds a service's gRPC server. Every call goes through one
 * ordered pipeline: overload guard and deadline (in `serve`, before anything
 * else is spent on the call) -> tracing -> logging -> metrics -> error
 * mapping -> authentication -> handler, inside an AsyncLocalStorage
 * CallContext (request id, deadline, principals) that outgoing clients read.
 */
export function createServer(deps: ServerDeps): ShopServer {
  const contract = deps.contract ?? sharedContract();
  const grpc = new Server({ ...SERVER_DEFAULT_OPTIONS, ...deps.grpcOptions });
  const health = createHealth(deps.readiness ?? [], deps.log);
  const limiter = createInFlightLimiter(deps.maxInFlight ?? 1000);
  const defaultDeadlineMs = deps.defaultDeadlineMs ?? 10_000;
  const chain: Middleware[] = [
    createServerTracing(),
    createCallLogging(deps.log),
    ...(deps.metrics ? [deps.metrics] : []),
    errorMapping,
    createAuthentication(deps.auth, deps.internalCallers),
  ];
  const run = compose(chain);
  const serviceNames: string[] = [];
  let draining = false;

  /**
   * serve runs one call: admission (the overload guard), the call context and
   * its deadline timer, then the chain. `answer` sends the status; it is
   * called exactly once, by whichever comes first: the chain finishing, the
   * deadline passing, or the admission refusing.
   */
  function serve(
    path: string,
    metadata: Metadata,
    deadline: Date | number,
    onCancel: (fn: () => void) => void,
    invoke: (ctx: CallContext) => Promise<void>,
    answer: (status: CallStatus, requestId: string) => void,
  ): void {
    const contractMethod = contract.method(path);
    const requestId = requestIdFrom(metadata);
    if (!contractMethod) {
      answer(toStatus(new Error(`${path} is not in the contract`), requestId).status, requestId);
      return;
    }
    if (!limiter.tryEnter()) {
      deps.onReject?.('overload');
      answer(toStatus(overloaded(), requestId).status, requestId);
      return;
    }
    const callerDeadline = deadline instanceof Date ? deadline.getTime() : deadline;
    const effectiveDeadline = Number.isFinite(callerDeadline) ? callerDeadline : Date.now() + defaultDeadlineMs;
    const ctx = new ServedCall(path, requestId, effectiveDeadline, metadata, deps.log);
    let answered = false;
    const answerOnce = (status: CallStatus) => {
      if (answered) return;
      answered = true;
      answer(status, requestId);
    };
    // The caller hears DEADLINE_EXCEEDED the moment the deadline passes, even
    // if the handler ignores ctx.signal; the chain still records the outcome.
    const timer = setTimeout(() => {
      ctx.abort('deadline');
      answerOnce(toStatus(deadlineExceeded(), requestId).status);
    }, Math.max(0, effectiveDeadline - Date.now()));
    onCancel(() => ctx.abort('cancelled'));
    const info: CallInfo = {
      path,
      contract: contractMethod,
      type: contractMethod.serverStreaming ? 'server_stream' : 'unary',
      ctx,
      startedAt: process.hrtime.bigint(),
      invoke: () => invoke(ctx),
    };
    callContextStorage
      .run(ctx, () => run(info))
      .catch((err: unknown): Outcome => ({ status: toStatus(err, requestId).status, cause: err }))
      .then((outcome) => {
        clearTimeout(timer);
        limiter.leave();
        answerOnce(outcome.status);
      });
  }

  /** trailers adds x-request-id to a status's trailers, so callers can quote it. */
  function trailers(status: CallStatus, requestId: string): Metadata {
    const md = status.metadata ?? new Metadata();
    md.set(REQUEST_ID_HEADER, requestId);
    return md;
  }

  function adaptUnary(path: string, method: MethodDefinition, handler: (req: unknown, ctx: CallContext) => Promise<DeepPartial<unknown>>) {
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      let response: unknown;
      serve(
        path,
        call.metadata,
        call.getDeadline(),
        (fn) => call.on('cancelled', fn),
        async (ctx) => {
          response = method.responseType.fromPartial((await handler(call.request, ctx)) as never);
        },
        (status, requestId) => {
          const md = trailers(status, requestId);
          // A failure goes out trailers-only (no response headers first):
          // gRPC clients retry only calls that got no headers.
          if (status.code === Code.OK) callback(null, response, md);
          else callback({ code: status.code, details: status.details, metadata: md });
        },
      );
    };
  }

  function adaptServerStream(path: string, method: MethodDefinition, handler: (req: unknown, ctx: CallContext) => AsyncIterable<DeepPartial<unknown>>) {
    return (call: ServerWritableStream<unknown, unknown>) => {
      serve(
        path,
        call.metadata,
        call.getDeadline(),
        (fn) => call.on('cancelled', fn),
        async (ctx) => {
          for await (const item of handler(call.request, ctx)) {
            if (ctx.signal.aborted) break;
            if (!call.write(method.responseType.fromPartial(item as never))) await once(call, 'drain', { signal: ctx.signal });
          }
        },
        (status, requestId) => {
          if (call.cancelled) return;
          if (status.code === Code.OK) call.end(trailers(status, requestId));
          else call.emit('error', { code: status.code, details: status.details, metadata: trailers(status, requestId) });
        },
      );
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
      grpc.addService(toGrpcDefinition(definition), handlers);
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
