import type { ServiceDefinition as GrpcServiceDefinition, MethodDefinition as GrpcMethodDefinition } from '@grpc/grpc-js';
import type { CallContext } from '../context/call-context';
import { attachVerdict, type RequestVerdict } from './request-verdict';

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
 * serializers) from a ts-proto generic one. For the methods `checkerOf`
 * gives a checker (those whose request has contract rules), the
 * deserializer runs it on the request's bytes and attaches its verdict to a
 * request it refuses (request-verdict.ts); a valid request, and every
 * request of the other methods, pays nothing more.
 */
export function toGrpcDefinition(service: ServiceDefinition, checkerOf: (path: string) => ((request: object, bytes: Uint8Array) => RequestVerdict | undefined) | undefined = () => undefined): GrpcServiceDefinition {
  const out: Record<string, GrpcMethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(service.methods)) {
    const path = methodPath(service, method);
    const decode = (bytes: Buffer) => method.requestType.decode(bytes);
    const check = checkerOf(path);
    out[key] = {
      path,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestSerialize: (value) => Buffer.from(method.requestType.encode(value).finish()),
      requestDeserialize:
        check === undefined
          ? decode
          : (bytes: Buffer) => {
              const request = decode(bytes) as object;
              const verdict = check(request, bytes);
              if (verdict !== undefined) attachVerdict(request, verdict);
              return request;
            },
      responseSerialize: (value) => Buffer.from(method.responseType.encode(value).finish()),
      responseDeserialize: (bytes) => method.responseType.decode(bytes),
      originalName: key,
    };
  }
  return out;
}
