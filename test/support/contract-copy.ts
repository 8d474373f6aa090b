import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, repoRoot, run } from './repo';

/** copyContracts makes a throwaway copy of what buf needs, to change it freely. */
export function copyContracts(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shop-contract-copy-'));
  for (const entry of ['proto', 'third_party', 'contracts', 'buf.yaml']) {
    cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** editProto replaces text in a .proto file of the copy, failing the test when the text is not there. */
export function editProto(dir: string, file: string, from: string, to: string): void {
  const path = join(dir, 'proto', file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
  writeFileSync(path, text.replace(from, to));
}

/** releaseCopy cuts the copy's contracts as released, as `npm run cut-contract` does. */
export function releaseCopy(dir: string): void {
  const built = run(bin('buf'), ['build', '--path', 'proto/shop', '--exclude-source-info', '-o', join(dir, 'contracts', 'released.binpb')], dir);
  if (built.status !== 0) throw new Error(built.output);
}

/** breaking runs the breaking gate (`npm run breaking`) on the copy. */
export function breaking(dir: string): ReturnType<typeof run> {
  return run('node', [join(repoRoot, 'scripts/breaking.js'), '--root', dir]);
}
