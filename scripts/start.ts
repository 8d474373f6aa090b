/**
 * start is `npm start`: it runs every shopmesh process as its own child on
 * its fixed local port with embedded storage (PGlite under ./data) and the
 * demo data, prints how to call them, and stops them all on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { MESH, type MeshProcess } from './mesh';

const root = resolve(__dirname, '..');
const children = new Map<MeshProcess, ChildProcess>();
let stopping = false;

function prefixLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream): void {
  const label = `${name.padEnd(9)} | `;
  createInterface({ input: stream }).on('line', (line) => out.write(label + line + '\n'));
}

function stopAll(): void {
  if (stopping) return;
  stopping = true;
  console.log(`\nStopping ${children.size} processes (SIGTERM; they drain and exit)...`);
  for (const child of children.values()) child.kill('SIGTERM');
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
      env: {
        DATA_DIR: join(root, 'data'),
        SERVICE_KEYS_DIR: join(root, 'data', 'keys'),
        DEMO_DATA: join(root, 'demo', 'shop.json'),
        ...process.env,
        ...proc.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prefixLines(proc.name, child.stdout!, process.stdout);
    prefixLines(proc.name, child.stderr!, process.stderr);
    child.on('exit', (code, signal) => {
      children.delete(proc);
      if (!stopping) {
        console.error(`${proc.name} exited (${signal ?? code}); stopping the mesh.`);
        process.exitCode = 1;
        stopAll();
      }
      if (children.size === 0) process.exit();
    });
    children.set(proc, child);
  }
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
  const width = Math.max(...present.map((p) => p.name.length));
  console.log('\nshopmesh is starting (embedded storage in ./data, demo data loaded on first start):\n');
  for (const proc of present) console.log(`  ${proc.name.padEnd(width)}  ${proc.describe}`);
  console.log(`
Try it (buf is installed by npm; grpcurl works the same way with -plaintext):
  npx buf curl --protocol grpc --http2-prior-knowledge --list-services http://127.0.0.1:50052
  npx buf curl --protocol grpc --http2-prior-knowledge -d '{"pageSize":3}' http://127.0.0.1:50052/shop.catalog.v1.CatalogService/ListProducts
  npx buf curl --protocol grpc --http2-prior-knowledge -d '{"email":"ada@shop.example","password":"customer-password-1"}' http://127.0.0.1:50051/shop.users.v1.AuthService/Login
${present.some((p) => p.name === 'gateway') ? '  curl http://127.0.0.1:8080/v1/products?pageSize=3        (REST; docs at http://127.0.0.1:8080/docs)\n' : ''}
Demo accounts: admin@shop.example / admin-password-1, ada@shop.example / customer-password-1
Press Ctrl-C to stop.
`);
}

main();
