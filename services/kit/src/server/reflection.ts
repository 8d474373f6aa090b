import type { Server, ServiceDefinition, UntypedHandleCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import type { PackageDefinition } from '@grpc/proto-loader';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { readDescriptorSet } from '@shop/sdk/lib/descriptor';

const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

/**
 * contractFiles hands @grpc/reflection the files of the descriptor set
 * (the contracts plus grpc.health.v1 and grpc.reflection) exactly as buf
 * compiled them. proto-loader's own loader would regroup them by package
 * and drop their imports, which leaves clients such as `buf curl` unable to
 * resolve the types a method uses.
 */
function contractFiles(descriptorSet: Uint8Array): PackageDefinition {
  const set = fromBinary(FileDescriptorSetSchema, descriptorSet);
  const files = set.file.map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file)));
  return { 'shop.contract': { format: 'Protocol Buffer 3 FileDescriptorProto', type: {}, fileDescriptorProtos: files } } as unknown as PackageDefinition;
}

/** ServerLike is the part of a grpc-js Server that reflection registers its services on. */
type ServerLike = Pick<Server, 'addService'>;

/**
 * createReflection serves gRPC server reflection (v1 and v1alpha) from the
 * contract's descriptor set, listing exactly the given services plus health
 * and reflection itself, so `grpcurl` and `buf curl` work with no proto files.
 *
 * The reflection index is built on the first reflection call, not at
 * start-up: building it decodes and re-encodes the whole descriptor set
 * (about 0.2 s of CPU per process, which a mesh of six services starting
 * together on a laptop pays six times), and most processes are never asked.
 * The service definitions are registered at once, from an index of no files.
 */
export function createReflection(serviceNames: string[], descriptorSet?: Uint8Array): { addToServer(server: ServerLike): void } {
  const options = { services: [...serviceNames, 'grpc.health.v1.Health', ...REFLECTION_SERVICES] };
  let handlers: Map<string, UntypedHandleCall> | undefined;
  const built = (): Map<string, UntypedHandleCall> => {
    if (handlers === undefined) {
      const byPath = new Map<string, UntypedHandleCall>();
      new ReflectionService(contractFiles(descriptorSet ?? readDescriptorSet()), options).addToServer(capture(byPath) as Server);
      handlers = byPath;
    }
    return handlers;
  };
  return {
    addToServer(server) {
      const definitions = new Map<string, { definition: ServiceDefinition; methods: string[] }>();
      new ReflectionService({} as PackageDefinition, options).addToServer({
        addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation) {
          definitions.set(firstPath(definition), { definition, methods: Object.keys(implementation) });
        },
      } as unknown as Server);
      for (const [path, { definition, methods }] of definitions) {
        const lazy = Object.fromEntries(methods.map((m) => [m, ((call: never, callback: never) => (built().get(`${path}#${m}`) as (a: never, b: never) => void)(call, callback)) as UntypedHandleCall]));
        server.addService(definition, lazy);
      }
    },
  };
}

/** capture is a stand-in server that keeps each handler by its service's first method path and its name. */
function capture(byPath: Map<string, UntypedHandleCall>): ServerLike {
  return {
    addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation) {
      for (const [name, handler] of Object.entries(implementation)) byPath.set(`${firstPath(definition)}#${name}`, handler);
    },
  };
}

/** firstPath names a service definition by its first method's path ("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"). */
function firstPath(definition: ServiceDefinition): string {
  return Object.values(definition)[0]!.path;
}
