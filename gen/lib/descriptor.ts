import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * descriptorSetPath is the binary FileDescriptorSet of every shopmesh
 * contract (with comments), written by `npm run generate`. Server reflection
 * and the REST gateway read it. It sits at the package root both in the
 * repository (gen/lib/..) and in the published package (dist/lib/../..).
 */
export const descriptorSetPath: string = [join(__dirname, '..', 'descriptor.binpb'), join(__dirname, '..', '..', 'descriptor.binpb')].find(
  (candidate) => existsSync(candidate),
) ?? join(__dirname, '..', 'descriptor.binpb');

/** readDescriptorSet returns the bytes of descriptorSetPath. */
export function readDescriptorSet(): Buffer {
  return readFileSync(descriptorSetPath);
}
