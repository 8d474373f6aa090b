import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, fromBinary, toJson } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { file_buf_validate_validate } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import { bin, run } from '../support/repo';

describe('buf/validate/validate.proto, the import of the contracts\' rules', () => {
  it('is what scripts/protovalidate-proto.js makes of the installed @bufbuild/protovalidate', () => {
    const result = run('node', ['scripts/protovalidate-proto.js', '--check']);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('compiles to exactly the descriptor the package ships, so the rules buf checks are the rules the validator runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-proto-'));
    try {
      const image = join(dir, 'image.binpb');
      const built = run(bin('buf'), ['build', '-o', image, '--path', 'third_party/proto/buf/validate/validate.proto']);
      expect(built.output).toBe('');
      const ours = fromBinary(FileDescriptorSetSchema, readFileSync(image)).file.find((f) => f.name === 'buf/validate/validate.proto');
      expect(ours).toBeDefined();
      ours!.sourceCodeInfo = undefined;
      const registry = createRegistry(file_buf_validate_validate);
      expect(toJson(FileDescriptorProtoSchema, ours!, { registry })).toEqual(toJson(FileDescriptorProtoSchema, file_buf_validate_validate.proto, { registry }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
