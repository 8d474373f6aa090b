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

/**
 * createReflection serves gRPC server reflection (v1 and v1alpha) from the
 * contract's descriptor set, listing exactly the given services plus health
 * and reflection itself, so `grpcurl` and `buf curl` work with no proto files.
 */
export function createReflection(serviceNames: string[], descriptorSet: Uint8Array = readDescriptorSet()): ReflectionService {
  return new ReflectionService(
    contractFiles(descriptorSet),
    { services: [...serviceNames, 'grpc.health.v1.Health', ...REFLECTION_SERVICES] },
  );
}
