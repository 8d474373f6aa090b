import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot, run } from '../support/repo';

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe('the generated code in gen/', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'shop-generate-'));
    const result = run('node', ['scripts/generate.js', '--out', out]);
    if (result.status !== 0) throw new Error(`npm run generate failed:\n${result.output}`);
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('is what npm run generate writes now (run it and commit the result)', () => {
    const fresh = listFiles(join(out, 'gen', 'ts')).map((p) => relative(out, p)).sort();
    const committed = listFiles(join(repoRoot, 'gen', 'ts')).map((p) => relative(repoRoot, p)).sort();
    expect(committed).toEqual(fresh);
    const stale = fresh.filter((file) => readFileSync(join(out, file), 'utf8') !== readFileSync(join(repoRoot, file), 'utf8'));
    expect(stale).toEqual([]);
  });

  it('keeps the released contract\'s OpenAPI document beside it, as the gateway would serve it', () => {
    const fresh = readFileSync(join(out, 'contracts', 'released.openapi.json'), 'utf8');
    expect(JSON.parse(fresh).paths['/v1/products/{product_id}'].get.operationId).toBeDefined();
    expect(readFileSync(join(repoRoot, 'contracts', 'released.openapi.json'), 'utf8')).toBe(fresh);
  });

  it('includes a descriptor set identical to the contracts', () => {
    expect(readFileSync(join(out, 'gen', 'descriptor.binpb')).equals(readFileSync(join(repoRoot, 'gen', 'descriptor.binpb')))).toBe(true);
  });
});
