/**
 * start is `npm start`: it runs every shopmesh service that exists under
 * services/ as its own process on its fixed local port with embedded
 * storage, prints how to call them, and stops them all on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MESH } from './mesh';

const root = resolve(__dirname, '..');
const children: ChildProcess[] = [];
let stopping = false;

function stopAll(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  console.log(`\nStopping ${children.length} processes...`);
  for (const child of children) child.kill(signal);
}

function main(): void {
  const present = MESH.filter((p) => existsSync(join(root, p.entry)));
  if (present.length === 0) {
    console.log('No services are built yet: see the open issues.');
    return;
  }
  for (const proc of present) {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, proc.entry)], {
      cwd: root,
      env: { ...process.env, ...proc.env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${proc.name} exited (${signal ?? code}); stopping the mesh.`);
        stopAll('SIGTERM');
      }
      if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(0);
    });
    children.push(child);
  }
  process.on('SIGINT', () => stopAll('SIGTERM'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  console.log('\nshopmesh is starting:');
  for (const proc of present) console.log(`  ${proc.name.padEnd(10)} ${proc.describe}`);
  console.log('\nPress Ctrl-C to stop.\n');
}

main();
