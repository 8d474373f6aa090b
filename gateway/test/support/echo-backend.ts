import { Metadata, Server, ServerCredentials, type ServerUnaryCall, type ServerWritableStream, type ServiceDefinition, type sendUnaryData } from '@grpc/grpc-js';
import { fromBinary, fromJson, toBinary, toJson, type DescMethod, type JsonObject, type JsonValue, type Registry } from '@bufbuild/protobuf';

/** RecordedCall is one call the backend received, its request in canonical JSON. */
export interface RecordedCall {
  method: string;
  request: JsonValue;
  metadata: Record<string, string>;
}

/** Reply is how the backend answers: a response message (JSON), an error status, or for streams a list of messages then an optional error. */
export type Reply =
  | { response: JsonValue; delayMs?: number }
  | { error: { code: number; message: string; details?: JsonObject[] }; delayMs?: number }
  | { stream: JsonValue[]; intervalMs?: number; error?: { code: number; message: string; details?: JsonObject[] } };

/** Behaviour decides the reply of a call from its method name and request. */
export type Behaviour = (call: RecordedCall) => Reply;

/** EchoBackend is a gRPC server for any services of a registry, answering by a swappable behaviour. */
export interface EchoBackend {
  address: string;
  calls: RecordedCall[];
  /** cancelled counts calls the client cancelled before the reply. */
  cancelled: { count: number };
  behave(behaviour: Behaviour): void;
  stop(): Promise<void>;
}

/**
 * startEchoBackend serves the named services with real grpc-js framing,
 * decoding requests with protobuf-es, so a test can see the exact message the
 * gateway sent (in canonical JSON) and script the answer. By default it
 * answers every unary call with an empty response.
 */
export async function startEchoBackend(registry: Registry, serviceNames: readonly string[], port = 0): Promise<EchoBackend> {
  const server = new Server();
  const calls: RecordedCall[] = [];
  const cancelled = { count: 0 };
  let behaviour: Behaviour = () => ({ response: {} });
  const statusSchema = registry.getMessage('google.rpc.Status');

  const errorOf = (error: { code: number; message: string; details?: JsonObject[] }) => {
    const metadata = new Metadata();
    if (error.details && statusSchema) {
      const status = fromJson(statusSchema, { code: error.code, message: error.message, details: error.details }, { registry });
      metadata.set('grpc-status-details-bin', Buffer.from(toBinary(statusSchema, status)));
    }
    return { code: error.code, details: error.message, metadata };
  };

  for (const name of serviceNames) {
    const service = registry.getService(name);
    if (!service) throw new Error(`no service ${name} in the registry`);
    const definition: Record<string, ServiceDefinition[string]> = {};
    const handlers: Record<string, unknown> = {};
    for (const method of service.methods) {
      const streaming = method.methodKind === 'server_streaming';
      definition[method.name] = {
        path: `/${service.typeName}/${method.name}`,
        requestStream: false,
        responseStream: streaming,
        requestSerialize: (m: unknown) => Buffer.from(toBinary(method.input, m as never)),
        requestDeserialize: (b: Buffer) => fromBinary(method.input, b),
        responseSerialize: (m: unknown) => Buffer.from(toBinary(method.output, m as never)),
        responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
      };
      handlers[method.name] = streaming ? streamHandler(method) : unaryHandler(method);
    }
    server.addService(definition, handlers as never);
  }

  function record(method: DescMethod, request: unknown, metadata: Metadata): RecordedCall {
    const flat: Record<string, string> = {};
    for (const [key, value] of Object.entries(metadata.getMap())) flat[key] = Buffer.isBuffer(value) ? value.toString('base64') : String(value);
    const call = { method: method.name, request: toJson(method.input, request as never, { registry }), metadata: flat };
    calls.push(call);
    return call;
  }

  function unaryHandler(method: DescMethod) {
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const reply = behaviour(record(method, call.request, call.metadata));
      let done = false;
      call.on('cancelled', () => {
        if (!done) cancelled.count += 1;
        done = true;
      });
      const send = () => {
        if (done) return;
        done = true;
        if ('error' in reply && reply.error) callback(errorOf(reply.error));
        else if ('response' in reply) callback(null, fromJson(method.output, reply.response, { registry }));
        else callback({ code: 12, details: 'not a unary reply' });
      };
      const delay = 'delayMs' in reply ? reply.delayMs : undefined;
      if (delay) setTimeout(send, delay);
      else send();
    };
  }

  function streamHandler(method: DescMethod) {
    return (call: ServerWritableStream<unknown, unknown>) => {
      const reply = behaviour(record(method, call.request, call.metadata));
      if (!('stream' in reply)) {
        if ('error' in reply && reply.error) call.emit('error', errorOf(reply.error));
        else call.end();
        return;
      }
      let i = 0;
      let timer: NodeJS.Timeout | undefined;
      call.on('cancelled', () => {
        cancelled.count += 1;
        clearTimeout(timer);
      });
      const next = () => {
        if (call.cancelled) return;
        if (i < reply.stream.length) {
          call.write(fromJson(method.output, reply.stream[i++], { registry }));
          timer = setTimeout(next, reply.intervalMs ?? 0);
          return;
        }
        if (reply.error) call.emit('error', errorOf(reply.error));
        else call.end();
      };
      next();
    };
  }

  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${bound}`,
    calls,
    cancelled,
    behave(next) {
      behaviour = next;
    },
    stop: () =>
      new Promise((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
