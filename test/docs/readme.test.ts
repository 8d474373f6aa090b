import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docBlocks, movePorts, type DocBlock } from '../support/doc-blocks';
import { DEFAULT_ADDRESSES } from '@shop/sdk';
import { freeOffset, meshPortsFree, startNpm, type NpmStart } from '../support/npm-start';
import { bin, repoRoot, run } from '../support/repo';

/**
 * Docs that run (issue 17): every shell block of the READMEs runs, in the
 * order a reader meets it, against a mesh started with `npm start`; the
 * SDK example of gen/README.md runs from the packed tarball in a project
 * outside the repository, type-checked with --strict. A block that is not
 * meant to run says so on its first line ("Not run by the doc tests: why").
 *
 * The mesh uses the documented ports when they are free; when they are
 * taken (a developer's own `npm start`), it moves them all by one offset
 * and the blocks' ports are moved the same way (movePorts).
 */
const DOCS = [
  'README.md',
  'services/users/README.md',
  'services/catalog/README.md',
  'services/inventory/README.md',
  'services/orders/README.md',
  'services/payments/README.md',
  'services/shipping/README.md',
  'services/kit/README.md',
  'gateway/README.md',
  'gen/README.md',
];

/** SEEN is what each file's blocks must print: the walk-throughs did what their text says, not merely exit 0. */
const SEEN: Record<string, RegExp[]> = {
  'README.md': [/"name": "Stoneware Mug"/, /"displayName": "Grace Hopper"/, /"state":"ORDER_STATE_CONFIRMED"/, /"state":"ORDER_STATE_SHIPPED"/, /"trackingNumber": "/, /"status": "INVALID_ARGUMENT"/, /ORDER_STATE_PENDING|ORDER_STATE_SHIPPED/],
  'services/users/README.md': [/"displayName": "Rear Admiral Hopper"/, /"keys": \[/, /"accessToken": "/, /"email": "admin@shop.example"/],
  'services/catalog/README.md': [/^Stoneware Mug$/m, /^[0-9a-f-]{36}$/m, /"amountMinor": "3500"/],
  'services/inventory/README.md': [/"onHand": "148"/],
  'services/orders/README.md': [/^ORDER_STATE_SHIPPED$/m, /^ORDER_STATE_CANCELLED$/m, /^ORDER_STATE_FAILED /m],
  'services/payments/README.md': [/"state": "PAYMENT_STATE_[A-Z_]+"/, /^"PAYMENT_STATE_[A-Z_]+"$/m],
  'services/shipping/README.md': [/"state": "SHIPMENT_STATE_(SHIPPED|DELIVERED)"/],
  'gateway/README.md': [/^200 text\/html/m],
};

const blocksOf = (file: string) => docBlocks(file, readFileSync(join(repoRoot, file), 'utf8'));

/** runShell runs one file's shell blocks as one bash script (variables carry from block to block) and names the block that failed. */
export function runShell(blocks: readonly DocBlock[], offset: number, timeoutMs = 180_000): Promise<{ ok: boolean; output: string }> {
  const script = ['set -euo pipefail'];
  for (const b of blocks) script.push(`echo "--- ${b.file}:${b.line}" >&2`, movePorts(b.code, offset));
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script.join('\n')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const failedAt = [...output.matchAll(/^--- (.+)$/gm)].at(-1)?.[1];
      resolve({ ok: code === 0, output: code === 0 ? output : `the block at ${failedAt} failed (exit ${code}):\n${output.slice(-4000)}` });
    });
  });
}

/**
 * onMesh points the SDK example at the test's mesh: its literal ports moved,
 * and, when the mesh is not on the documented ports, createShopClients given
 * the moved DEFAULT_ADDRESSES (the example relies on the defaults).
 */
function onMesh(code: string, offset: number): string {
  if (offset === 0) return code;
  const addresses = JSON.stringify(Object.fromEntries(Object.entries(DEFAULT_ADDRESSES).map(([k, v]) => [k, movePorts(v, offset)])));
  return movePorts(code, offset).replace(/createShopClients\(\{/g, `createShopClients({ addresses: ${addresses}, `).replace(/createShopClients\(\)/g, `createShopClients({ addresses: ${addresses} })`);
}

describe('doc blocks', () => {
  it('are marked when they do not run, and every TypeScript block outside gen/README.md is', () => {
    const unmarked = DOCS.flatMap(blocksOf).filter((b) => b.lang === 'ts' && b.skip === undefined && b.file !== 'gen/README.md');
    expect(unmarked.map((b) => `${b.file}:${b.line}`)).toEqual([]);
    expect(blocksOf('gen/README.md').filter((b) => b.lang === 'ts' && b.skip === undefined)).toHaveLength(1);
  });

  it('fail the run when a command fails, naming the block', async () => {
    const broken: DocBlock[] = [
      { file: 'X.md', line: 3, lang: 'sh', code: 'echo fine' },
      { file: 'X.md', line: 9, lang: 'sh', code: 'curl -sS http://127.0.0.1:1/ | jq .' },
    ];
    const result = await runShell(broken, 0, 20_000);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('the block at X.md:9 failed');
  });
});

describe('the READMEs, run against `npm start`', () => {
  let dataDir = '';
  let mesh: NpmStart | undefined;
  let offset = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shopmesh-docs-'));
    chmodSync(dataDir, 0o755);
    offset = (await meshPortsFree(0)) ? 0 : await freeOffset();
    mesh = await startNpm({ dataDir, offset });
  }, 240_000);
  afterAll(async () => {
    await mesh?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(DOCS.filter((f) => f !== 'gen/README.md'))('runs the shell blocks of %s', async (file) => {
    const blocks = blocksOf(file).filter((b) => b.lang === 'sh' && b.skip === undefined);
    const result = await runShell(blocks, offset);
    if (!result.ok) throw new Error(result.output);
    const missing = (SEEN[file] ?? []).filter((pattern) => !pattern.test(result.output));
    expect({ file, missing: missing.map(String), output: missing.length > 0 ? result.output.slice(-6000) : '' }).toEqual({ file, missing: [], output: '' });
  }, 240_000);

  describe('gen/README.md, as a team that installs the SDK would', () => {
    let project = '';
    beforeAll(() => {
      project = mkdtempSync(join(tmpdir(), 'shop-sdk-readme-'));
      for (const block of blocksOf('gen/README.md').filter((b) => b.lang === 'sh' && b.skip === undefined)) {
        // The install block: npm pack in the repo, npm install in the project.
        const script = `set -euo pipefail\n${block.code.replace('./shop-sdk-0.1.0.tgz', join(project, 'shop-sdk-0.1.0.tgz'))}`;
        const packed = run('npm', ['pack', '--workspace', '@shop/sdk', '--pack-destination', project]);
        if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.output}`);
        writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-example', version: '1.0.0', private: true, type: 'module' }));
        const installed = run('bash', ['-c', script], project);
        if (installed.status !== 0) throw new Error(`${block.file}:${block.line} failed:\n${installed.output}`);
      }
      const example = blocksOf('gen/README.md').find((b) => b.lang === 'ts' && b.skip === undefined)!;
      writeFileSync(join(project, 'example.ts'), onMesh(example.code, offset));
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, types: ['node'], outDir: 'out', skipLibCheck: false }, files: ['example.ts'] }),
      );
    }, 240_000);
    afterAll(() => rmSync(project, { recursive: true, force: true }));

    it('type-checks the example under --strict, outside the repository', () => {
      expect(project.startsWith(repoRoot)).toBe(false);
      expect(readdirSync(join(project, 'node_modules', '@shop', 'sdk'))).toContain('dist');
      const compiled = run(bin('tsc'), ['-p', project]);
      expect(compiled.output).toBe('');
      expect(compiled.status).toBe(0);
    }, 60_000);

    it('runs the example against the mesh, and the process exits by itself', async () => {
      const child = spawn('node', [join(project, 'out', 'example.js')], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('ORDER_STATE_SHIPPED') });
      expect(output).toMatch(/^logged in for 15 minutes$/m);
      expect(output).toMatch(/^items: /m);
      expect(output).toMatch(/^NOT_FOUND NOT_FOUND: shop\.catalog\.v1\.Product "[0-9a-f-]{36}" not found$/m);
    }, 90_000);
  });
});
