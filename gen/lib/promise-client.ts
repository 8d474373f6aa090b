import { Client, Metadata, type CallOptions as GrpcCallOptions, type ChannelCredentials, type ChannelOptions, type Interceptor } from '@grpc/grpc-js';
import { toShopError } from './errors';

/** MessageType is the part of a generated message object a client needs. */
export interface MessageType<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromPartial(object: never): T;
}

/** MethodDefinition is one method of a generated service definition (`XServiceDefinition`). */
export interface MethodDefinition {
  readonly name: string;
  readonly requestType: MessageType<any>;
  readonly requestStream: boolean;
  readonly responseType: MessageType<any>;
  readonly responseStream: boolean;
}

/** ServiceDefinition is a generated service definition, for example `shop.catalog.v1.CatalogServiceDefinition`. */
export interface ServiceDefinition {
  readonly name: string;
  readonly fullName: string;
  readonly methods: { readonly [key: string]: MethodDefinition };
}

/** DeepPartial lets requests leave out fields that take their proto defaults. */
export type DeepPartial<T> = T extends Date | Buffer | Uint8Array
  ? T
  : T extends Array<infer U>
    ? Array<DeepPartial<U>>
    : T extends { $case: string }
      ? { [K in keyof T]?: DeepPartial<T[K]> } & { $case: T['$case'] }
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : T;

/** CallOptions are what every call accepts. */
export interface CallOptions {
  /** deadline: a Date, or milliseconds from now. Sent to the server as grpc-timeout. */
  deadline?: Date | number;
  /** metadata: extra request headers. */
  metadata?: Metadata | Readonly<Record<string, string>>;
  /** signal cancels the call when it aborts. */
  signal?: AbortSignal;
}

/** OutgoingCall is what a prepare hook may read and change before a call starts. */
export interface OutgoingCall {
  readonly path: string;
  readonly metadata: Metadata;
  deadline?: Date;
  signal?: AbortSignal;
}

/** PrepareCall runs before every call, for example to add a bearer token or propagate a deadline. */
export type PrepareCall = (call: OutgoingCall) => void | Promise<void>;

type RequestOf<M> = M extends { requestType: MessageType<infer R> } ? R : never;
type ResponseOf<M> = M extends { responseType: MessageType<infer R> } ? R : never;

/** PromiseClient has one method per RPC: unary ones return a promise, server-streaming ones an async iterable. */
export type PromiseClient<D extends ServiceDefinition> = {
  [K in keyof D['methods']]: D['methods'][K] extends { responseStream: true }
    ? (request: DeepPartial<RequestOf<D['methods'][K]>>, options?: CallOptions) => AsyncIterable<ResponseOf<D['methods'][K]>>
    : (request: DeepPartial<RequestOf<D['methods'][K]>>, options?: CallOptions) => Promise<ResponseOf<D['methods'][K]>>;
};

/** PromiseClientOptions configure createPromiseClient. */
export interface PromiseClientOptions {
  /** defaultDeadlineMs applies to calls that set no deadline (default: none). */
  defaultDeadlineMs?: number;
  prepare?: readonly PrepareCall[];
  /** interceptors are grpc-js client interceptors, for example for metrics and tracing. */
  interceptors?: Interceptor[];
  channelOptions?: ChannelOptions;
}

function toMetadata(value: CallOptions['metadata']): Metadata {
  if (value instanceof Metadata) return value.clone();
  const md = new Metadata();
  if (value) for (const [k, v] of Object.entries(value)) md.set(k, v);
  return md;
}

/**
 * createPromiseClient makes a promise-based client for one service over a
 * grpc-js channel. Deadlines are native gRPC deadlines, so the server sees
 * them (and can pass what remains on to the next hop). Failures reject with
 * ShopError carrying the decoded google.rpc details.
 */
export function createPromiseClient<D extends ServiceDefinition>(
  definition: D,
  address: string,
  credentials: ChannelCredentials,
  options: PromiseClientOptions = {},
): PromiseClient<D> & { close(): void; readonly grpcClient: Client } {
  const grpcClient = new Client(address, credentials, { ...options.channelOptions, interceptors: options.interceptors });
  const prepare = options.prepare ?? [];

  async function outgoing(path: string, callOptions: CallOptions): Promise<OutgoingCall> {
    const deadline = callOptions.deadline ?? options.defaultDeadlineMs;
    const call: OutgoingCall = {
      path,
      metadata: toMetadata(callOptions.metadata),
      deadline: deadline === undefined ? undefined : deadline instanceof Date ? deadline : new Date(Date.now() + deadline),
      signal: callOptions.signal,
    };
    for (const hook of prepare) await hook(call);
    return call;
  }

  function grpcOptions(call: OutgoingCall): GrpcCallOptions {
    return call.deadline ? { deadline: call.deadline } : {};
  }

  const client: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    const path = `/${definition.fullName}/${method.name}`;
    const serialize = (value: unknown) => Buffer.from(method.requestType.encode(value).finish());
    const deserialize = (bytes: Buffer) => method.responseType.decode(bytes);
    if (method.requestStream) continue; // no shopmesh contract streams requests
    if (method.responseStream) {
      client[key] = async function* stream(request: unknown, callOptions: CallOptions = {}) {
        const call = await outgoing(path, callOptions);
        const grpcCall = grpcClient.makeServerStreamRequest(
          path,
          serialize,
          deserialize,
          method.requestType.fromPartial(request as never),
          call.metadata,
          grpcOptions(call),
        );
        const cancel = () => grpcCall.cancel();
        call.signal?.addEventListener('abort', cancel, { once: true });
        try {
          for await (const message of grpcCall) yield message;
        } catch (err: unknown) {
          throw toShopError(err, path);
        } finally {
          call.signal?.removeEventListener('abort', cancel);
          grpcCall.cancel();
        }
      };
    } else {
      client[key] = async (request: unknown, callOptions: CallOptions = {}) => {
        const call = await outgoing(path, callOptions);
        return new Promise((resolve, reject) => {
          const grpcCall = grpcClient.makeUnaryRequest(
            path,
            serialize,
            deserialize,
            method.requestType.fromPartial(request as never),
            call.metadata,
            grpcOptions(call),
            (err, response) => {
              call.signal?.removeEventListener('abort', cancel);
              if (err) reject(toShopError(err, path));
              else resolve(response);
            },
          );
          const cancel = () => grpcCall.cancel();
          if (call.signal?.aborted) cancel();
          else call.signal?.addEventListener('abort', cancel, { once: true });
        });
      };
    }
  }
  client.close = () => grpcClient.close();
  Object.defineProperty(client, 'grpcClient', { value: grpcClient });
  return client as PromiseClient<D> & { close(): void; readonly grpcClient: Client };
}
