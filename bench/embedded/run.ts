/**
 * bench/embedded: what `npm start` costs on this machine, on the embedded
 * PostgreSQL server and, in the same run, on PGlite (SHOPMESH_DATABASE=pglite,
 * the fallback and the earlier default):
 *
 * - cold start: `npm start` with a fresh data directory (and, unless
 *   --keep-bundles, no dist/local: the bundles are built too) until the
 *   gateway's /readyz answers 200 (demo data loaded);
 * - warm start: the same again on the data the cold start left;
 * - memory: the sum of PSS (/proc/<pid>/smaps_rollup) over every process of
 *   the mesh, npm and the PostgreSQL server with its backends included,
 *   20 s after ready;
 * - idle CPU: CPU time from /proc/<pid>/schedstat (nanoseconds, not ticks)
 *   summed over the same processes over 20 s, from 20 s after ready.
 *
 * Each mesh runs on its own ports (SHOPMESH_PORT_OFFSET) and data directory.
 *
 *   npx tsx bench/embedded/run.ts [--rounds 2] [--keep-bundles]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentOf } from '@shop/kit/embedded-postgres';
import { meshAt } from '../../scripts/mesh';
import { repoRoot } from '../../test/support/repo';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 2) || 2;
const keepBundles = process.argv.includes('--keep-bundles');
const OFFSET = 7000;
const gatewayPort = meshAt(OFFSET).find((p) => p.name === 'gateway')!.env.HTTP_PORT!;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** children lists every process whose parent is pid, from /proc. */
function children(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && parentOf(Number(entry)) === pid)
    .map(Number);
}

/** tree is pid and all its descendants. */
function tree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]!));
  return all;
}

/** meshPids is npm's process tree plus the PostgreSQL server (its own process group) and its backends. */
function meshPids(npm: number, dataDir: string): number[] {
  const pids = tree(npm);
  const lock = join(dataDir, 'postgres', 'pgdata', 'postmaster.pid');
  if (existsSync(lock)) pids.push(...tree(Number(readFileSync(lock, 'utf8').split('\n')[0])));
  return [...new Set(pids)];
}

function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function cpuNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

async function ready(ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return true;
    await sleep(25);
  }
  return false;
}

interface Run {
  startMs: number;
  pssMb?: number;
  idlePercent?: number;
}

async function startOnce(dataDir: string, storage: 'postgres' | 'pglite', measure: boolean): Promise<Run> {
  const began = performance.now();
  const npm: ChildProcess = spawn('npm', ['start'], {
    cwd: repoRoot,
    env: { ...process.env, SHOPMESH_DATA_DIR: dataDir, SHOPMESH_PORT_OFFSET: String(OFFSET), SHOPMESH_DATABASE: storage },
    stdio: 'ignore',
    detached: true,
  });
  try {
    if (!(await ready(180_000))) throw new Error(`npm start (${storage}) was not ready within 180 s`);
    const run: Run = { startMs: performance.now() - began };
    if (measure) {
      await sleep(20_000);
      const pids = meshPids(npm.pid!, dataDir);
      run.pssMb = pids.reduce((sum, pid) => sum + pssKb(pid), 0) / 1024;
      const before = new Map(pids.map((pid) => [pid, cpuNs(pid)]));
      const t0 = performance.now();
      await sleep(20_000);
      const after = meshPids(npm.pid!, dataDir);
      let ns = 0;
      for (const pid of after) ns += cpuNs(pid) - (before.get(pid) ?? 0);
      run.idlePercent = (ns / 1e6 / (performance.now() - t0)) * 100;
    }
    return run;
  } finally {
    const exited = new Promise((r) => npm.once('exit', r));
    process.kill(-npm.pid!, 'SIGTERM');
    await exited;
    // The launcher stops the server after the services; wait for it to be gone.
    const lock = join(dataDir, 'postgres', 'pgdata', 'postmaster.pid');
    for (let i = 0; i < 300 && existsSync(lock); i++) await sleep(100);
  }
}

async function main(): Promise<void> {
  console.log(`npm start on ${storageNote()}, ${rounds} rounds each; ports moved by ${OFFSET}`);
  console.log('| storage | round | cold start to /readyz | warm start | PSS of the mesh 20 s after ready | idle CPU over 20 s (% of one core) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (let round = 1; round <= rounds; round++) {
    for (const storage of ['postgres', 'pglite'] as const) {
      const dataDir = mkdtempSync(join(tmpdir(), 'shopmesh-bench-start-'));
      chmodSync(dataDir, 0o755);
      try {
        if (!keepBundles) rmSync(join(repoRoot, 'dist', 'local'), { recursive: true, force: true });
        const cold = await startOnce(dataDir, storage, false);
        const warm = await startOnce(dataDir, storage, true);
        console.log(
          `| ${storage === 'postgres' ? 'embedded PostgreSQL' : 'PGlite'} | ${round} | ${(cold.startMs / 1000).toFixed(1)} s | ${(warm.startMs / 1000).toFixed(1)} s | ${warm.pssMb!.toFixed(0)} MB | ${warm.idlePercent!.toFixed(2)} % |`,
        );
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }
}

function storageNote(): string {
  return `${process.platform}-${process.arch}, node ${process.version}${keepBundles ? ', bundles kept' : ', bundles rebuilt for each cold start'}`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
