import type { ServiceDefinition as GrpcServiceDefinition, MethodDefinition as GrpcMethodDefinition } from '@grpc/grpc-js';
import type { CallContext } from '../context/call-context';

/** MessageType is the part of a ts-proto message object the runtime needs. */
export interface MessageType<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromPartial(object: never): T;
}

/** MethodDefinition is one method of a ts-proto generic service definition. */
export interface MethodDefinition {
  readonly name: string;
  readonly requestType: MessageType<any>;
  readonly requestStream: boolean;
  readonly responseType: MessageType<any>;
  readonly responseStream: boolean;
}

/** ServiceDefinition is a ts-proto generic service definition (`XServiceDefinition` in @shop/sdk). */
export interface ServiceDefinition {
  readonly name: string;
  readonly fullName: string;
  readonly methods: { readonly [key: string]: MethodDefinition };
}

type RequestOf<M> = M extends { requestType: MessageType<infer R> } ? R : never;
type ResponseOf<M> = M extends { responseType: MessageType<infer R> } ? R : never;

/** DeepPartial lets handlers return responses without writing every default. */
export type DeepPartial<T> = T extends Date | Buffer | Uint8Array
  ? T
  : T extends Array<infer U>
    ? Array<DeepPartial<U>>
    : T extends { $case: string }
      ? { [K in keyof T]?: DeepPartial<T[K]> } & { $case: T['$case'] }
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : T;

/** Handler is the async function a service writes for one method: unary returns the response, server streaming yields them. */
export type Handler<M> = M extends { requestStream: false; responseStream: true }
  ? (request: RequestOf<M>, ctx: CallContext) => AsyncIterable<DeepPartial<ResponseOf<M>>>
  : M extends { requestStream: false; responseStream: false }
    ? (request: RequestOf<M>, ctx: CallContext) => Promise<DeepPartial<ResponseOf<M>>>
    : never;

/** ServiceImplementation maps every method of a definition to its handler. */
export type ServiceImplementation<D extends ServiceDefinition> = {
  [K in keyof D['methods']]: Handler<D['methods'][K]>;
};

/** methodPath is the gRPC path of a method, for example "/shop.catalog.v1.CatalogService/GetProduct". */
export function methodPath(service: ServiceDefinition, method: MethodDefinition): string {
  return `/${service.fullName}/${method.name}`;
}

/** toGrpcDefinition builds the @grpc/grpc-js service definition (paths and serializers) from a ts-proto generic one. */
export function toGrpcDefinition(service: ServiceDefinition): GrpcServiceDefinition {
  const out: Record<string, GrpcMethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(service.methods)) {
    out[key] = {
      path: methodPath(service, method),
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestSerialize: (value) => Buffer.from(method.requestType.encode(value).finish()),
      requestDeserialize: (bytes) => method.requestType.decode(bytes),
      responseSerialize: (value) => Buffer.from(method.responseType.encode(value).finish()),
      responseDeserialize: (bytes) => method.responseType.decode(bytes),
      originalName: key,
    };
  }
  return out;
}
