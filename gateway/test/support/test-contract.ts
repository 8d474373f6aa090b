import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadContract, type Contract } from '@shop/kit';

const ROOT = join(__dirname, '..', '..', '..');
const TESTDATA = join(__dirname, '..', 'testdata');
const COMMON: Array<[from: string, to: string]> = [
  [join(ROOT, 'proto', 'shop', 'common', 'v1', 'access.proto'), 'shop/common/v1/access.proto'],
  [join(ROOT, 'third_party', 'proto', 'google', 'api', 'annotations.proto'), 'google/api/annotations.proto'],
  [join(ROOT, 'third_party', 'proto', 'google', 'api', 'http.proto'), 'google/api/http.proto'],
  [join(ROOT, 'third_party', 'proto', 'google', 'api', 'field_behavior.proto'), 'google/api/field_behavior.proto'],
  // The error model's detail types: the gateway renders them, as it does for the real contract.
  [join(ROOT, 'third_party', 'proto', 'google', 'rpc', 'status.proto'), 'google/rpc/status.proto'],
  [join(ROOT, 'third_party', 'proto', 'google', 'rpc', 'error_details.proto'), 'google/rpc/error_details.proto'],
];

const FILES = {
  gwtest: [[join(TESTDATA, 'gwtest', 'v1', 'transcode.proto'), 'gwtest/v1/transcode.proto'], ...COMMON] as Array<[string, string]>,
  gwbad: [[join(TESTDATA, 'gwbad', 'v1', 'bad.proto'), 'gwbad/v1/bad.proto'], ...COMMON] as Array<[string, string]>,
  gwrules: [
    [join(TESTDATA, 'gwrules', 'v1', 'rules.proto'), 'gwrules/v1/rules.proto'],
    [join(ROOT, 'third_party', 'proto', 'buf', 'validate', 'validate.proto'), 'buf/validate/validate.proto'],
    [join(ROOT, 'proto', 'shop', 'common', 'v1', 'text_rules.proto'), 'shop/common/v1/text_rules.proto'],
    ...COMMON,
  ] as Array<[string, string]>,
};

const cached = new Map<string, Uint8Array>();

/**
 * testDescriptorSet compiles a test package of gateway/test/testdata with buf into a
 * FileDescriptorSet, the same way `npm run generate` builds the real one, so
 * the transcoding tests run on real descriptors with real google.api.http
 * options. The result is cached in the temp directory by content hash.
 */
export function testDescriptorSet(set: keyof typeof FILES = 'gwtest'): Uint8Array {
  const hit = cached.get(set);
  if (hit) return hit;
  const sources = FILES[set];
  const hash = createHash('sha256');
  for (const [from] of sources) hash.update(readFileSync(from));
  const out = join(tmpdir(), `shop-gateway-testdata-${hash.digest('hex').slice(0, 16)}.binpb`);
  if (!existsSync(out)) {
    const work = mkdtempSync(join(tmpdir(), 'shop-gateway-proto-'));
    try {
      for (const [from, to] of sources) {
        mkdirSync(dirname(join(work, to)), { recursive: true });
        copyFileSync(from, join(work, to));
      }
      writeFileSync(join(work, 'buf.yaml'), 'version: v2\n');
      const partial = `${out}.${process.pid}`;
      execFileSync(join(ROOT, 'node_modules', '.bin', 'buf'), ['build', work, '-o', partial], { stdio: ['ignore', 'ignore', 'pipe'] });
      renameSync(partial, out);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const bytes = readFileSync(out);
  cached.set(set, bytes);
  return bytes;
}

/** testContract is the gwtest.v1 contract, parsed by the kit like the real one. */
export function testContract(): Contract {
  return loadContract(testDescriptorSet('gwtest'));
}

/** rulesContract is gwrules.v1: buf.validate rules of every kind the OpenAPI document publishes. */
export function rulesContract(): Contract {
  return loadContract(testDescriptorSet('gwrules'));
}

/** badContract is gwbad.v1: one HTTP binding per mistake the gateway refuses. */
export function badContract(): Contract {
  return loadContract(testDescriptorSet('gwbad'));
}
