/**
 * Before and after in the same run: the lean gRPC client's CPU per call
 * (client.ts) with gateway/src/upstream as it is and as it was at REV,
 * alternating round by round against one benchmark backend (CPU 0), the
 * clients on CPU 1. Prints each round and the medians.
 *
 *   npm run bench:gateway:ab -- REV [--rounds 7] [--calls 100000]
 *
 * REV's copy is extracted (git archive) under bench/gateway/.ab/ (ignored by
 * git, jest and tsc, removed at the end), so its imports resolve against the
 * same node_modules.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const rev = process.argv[2];
if (!rev || rev.startsWith('--')) throw new Error('usage: ab.ts REV [--rounds N] [--calls N]');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('rounds', 7);
const calls = arg('calls', 100_000);
const PORT = 50_981;

const dir = join(__dirname, '.ab', rev.replace(/[^\w.-]/g, '_'));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const archive = spawnSync('sh', ['-c', `git archive ${JSON.stringify(rev)} gateway/src/upstream | tar -x -C ${JSON.stringify(dir)}`], { cwd: root, encoding: 'utf8' });
if (archive.status !== 0) throw new Error(`cannot extract ${rev}: ${archive.stderr}`);
const old = join(dir, 'gateway', 'src', 'upstream');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const backend = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', join(__dirname, 'servers.ts'), 'backend', String(PORT)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => backend.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  const results: Record<string, number[]> = { [rev]: [], working: [] };
  try {
    for (let round = 1; round <= rounds; round++) {
      // Alternate which goes first, so a drift in the machine's speed falls on both.
      const order = round % 2 === 1 ? [rev, 'working'] : ['working', rev];
      for (const which of order) {
        const args = [process.execPath, '--import', 'tsx', join(__dirname, 'client.ts'), 'lean', String(PORT), String(calls), ...(which === rev ? [old] : [])];
        const run = spawnSync('taskset', ['-c', '1', ...args], { cwd: root, encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`${which} failed: ${run.stderr}`);
        const { cpuUsPerCall } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { cpuUsPerCall: number };
        results[which].push(cpuUsPerCall);
        console.error(`round ${round} ${which}: ${cpuUsPerCall.toFixed(2)} us CPU per call`);
      }
    }
  } finally {
    backend.kill('SIGTERM');
    rmSync(join(__dirname, '.ab'), { recursive: true, force: true });
  }
  const before = median(results[rev]);
  const after = median(results.working);
  const ratios = results.working.map((w, i) => w / results[rev][i]);
  console.log(`lean client CPU per call, median of ${rounds}: ${rev} ${before.toFixed(2)} us, working tree ${after.toFixed(2)} us, after/before ${(after / before).toFixed(3)} (per round ${ratios.map((r) => r.toFixed(3)).join(', ')})`);
})().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
