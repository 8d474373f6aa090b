/**
 * main.ts as a process: configuration from the environment, start-up, the
 * gateway's own endpoints, and a clean exit on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'gateway', 'src', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /"http":"([^"]+)"/.exec(output);
      if (match) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${output}`)));
  });
  // A test that expects the process to fail does not wait for it to listen.
  listening.catch(() => undefined);
  return { child, listening, exited, output: () => output };
}

describe('main.ts', () => {
  it('starts from the environment, serves its own endpoints and exits 0 on SIGTERM', async () => {
    const main = startMain({ HTTP_PORT: '0', LOG_LEVEL: 'info', CATALOG_ADDRESS: '127.0.0.1:1', USERS_ADDRESS: '127.0.0.1:1' });
    const address = await main.listening;
    const health = await fetch(`http://${address}/healthz`);
    expect(health.status).toBe(200);
    const product = await fetch(`http://${address}/v1/products/9e0d0c1a-0000-4000-8000-00000000000a`);
    expect(product.status).toBe(503);
    expect(((await product.json()) as { error: { status: string } }).error.status).toBe('UNAVAILABLE');
    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    expect(main.output()).toContain('"msg":"stopped"');
  }, 30_000);

  it('exits 78 listing every configuration problem', async () => {
    const main = startMain({ HTTP_PORT: 'x', CORS_ORIGINS: 'nope' });
    expect(await main.exited).toBe(78);
    expect(main.output()).toMatch(/gateway: invalid configuration, 2 problems/);
  }, 30_000);
});
