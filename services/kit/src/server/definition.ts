import type { ServiceDefinition as GrpcServiceDefinition, MethodDefinition as GrpcMethodDefinition } from '@grpc/grpc-js';
import type { CallContext } from '../context/call-context';
import { rememberRequestBytes } from './request-bytes';

// The definition types are the SDK's: one description of a generated
// service for its clients and for the runtime that serves it.
import type { DeepPartial, MessageType, MethodDefinition, ServiceDefinition } from '@shop/sdk/lib/promise-client';
export type { DeepPartial, MessageType, MethodDefinition, ServiceDefinition };

type RequestOf<M> = M extends { requestType: MessageType<infer R> } ? R : never;
type ResponseOf<M> = M extends { responseType: MessageType<infer R> } ? R : never;

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

/**
 * toGrpcDefinition builds the @grpc/grpc-js service definition (paths and
 * serializers) from a ts-proto generic one. For the methods `keepsBytes`
 * names, each decoded request remembers the bytes it came from (for the
 * contract rules check, see request-bytes.ts); the others pay nothing.
 */
export function toGrpcDefinition(service: ServiceDefinition, keepsBytes: (path: string) => boolean = () => false): GrpcServiceDefinition {
  const out: Record<string, GrpcMethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(service.methods)) {
    const path = methodPath(service, method);
    const decode = (bytes: Buffer) => method.requestType.decode(bytes);
    out[key] = {
      path,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestSerialize: (value) => Buffer.from(method.requestType.encode(value).finish()),
      requestDeserialize: keepsBytes(path)
        ? (bytes: Buffer) => {
            const request = decode(bytes) as object;
            rememberRequestBytes(request, bytes);
            return request;
          }
        : decode,
      responseSerialize: (value) => Buffer.from(method.responseType.encode(value).finish()),
      responseDeserialize: (bytes) => method.responseType.decode(bytes),
      originalName: key,
    };
  }
  return out;
}
