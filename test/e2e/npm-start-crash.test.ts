import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgresBinaries } from '@shop/kit/embedded-postgres';
import { eventually, freeOffset, gatewayBase, startNpm } from '../support/npm-start';

/**
 * `npm start` killed with SIGKILL, and its PostgreSQL server killed with
 * SIGKILL, in either order, then `npm start` again: the mesh comes up and
 * every order confirmed before the kills is there (issue 16). The mesh runs
 * on its own data directory and ports (SHOPMESH_PORT_OFFSET), so a mesh the
 * developer has running is not touched.
 */
const binaries = findPostgresBinaries();
const suite = 'postgres' in binaries ? describe : describe.skip;
if (!('postgres' in binaries)) console.warn(`npm start crash suite skipped: ${binaries.reason}`);

suite('npm start after kill -9', () => {
  let dataDir = '';
  let offset = 0;
  let base = '';
  let npm: ChildProcess | undefined;
  const placed: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shopmesh-start-'));
    chmodSync(dataDir, 0o755);
    offset = await freeOffset();
    base = gatewayBase(offset);
  });
  afterAll(async () => {
    // A test that failed half way leaves its mesh running: stop the whole process group.
    if (npm !== undefined && npm.exitCode === null && npm.signalCode === null) {
      const exited = new Promise((r) => npm!.once('exit', r));
      process.kill(-npm.pid!, 'SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** start runs `npm start` in its own process group and waits for the gateway's /readyz. */
  async function start(): Promise<void> {
    npm = (await startNpm({ dataDir, offset })).process;
  }

  async function call(method: string, path: string, body?: unknown, token?: string): Promise<any> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  const login = async () => (await call('POST', '/v1/auth/login', { email: 'ada@shop.example', password: 'customer-password-1' })).tokens.accessToken as string;

  /** placeConfirmed places an order with the demo mug and waits until it is confirmed (or later). */
  async function placeConfirmed(): Promise<void> {
    const token = await login();
    const { order } = await call(
      'POST',
      '/v1/orders',
      {
        idempotencyKey: randomUUID(),
        items: [{ productId: '69040c33-5c8e-59b0-9032-bc23eb34ff6a', quantity: 1 }],
        shippingAddress: { recipient: 'Ada', lines: ['1 Road'], city: 'Town', postalCode: '12345', countryCode: 'DE' },
        paymentToken: 'tok_approve',
      },
      token,
    );
    await eventually(
      `order ${order.id} confirmed`,
      async () => {
        const { order: now } = await call('GET', `/v1/orders/${order.id}`, undefined, token);
        return ['ORDER_STATE_CONFIRMED', 'ORDER_STATE_SHIPPED'].includes(now.state) ? true : undefined;
      },
      60_000,
    );
    placed.push(order.id);
  }

  async function expectEveryOrderKept(): Promise<void> {
    const token = await login();
    for (const id of placed) {
      const { order } = await call('GET', `/v1/orders/${id}`, undefined, token);
      expect({ id, state: order.state }).toEqual({ id, state: expect.stringMatching(/^ORDER_STATE_(CONFIRMED|SHIPPED)$/) });
    }
  }

  const serverPid = () => Number(readFileSync(join(dataDir, 'postgres', 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);

  /** killed waits until a process is gone. */
  const gone = (pid: number) =>
    eventually(
      `process ${pid} gone`,
      async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      30_000,
    );

  /**
   * gatewayGone waits until the killed run's gateway stops answering: its
   * launcher drains the services for a moment after losing its npm, and a
   * readiness probe in that moment would be answered by the old mesh.
   */
  const gatewayGone = () =>
    eventually('the gateway gone', async () => ((await fetch(`${base}/readyz`).then(() => false, () => true)) ? true : undefined), 30_000);

  it('keeps every confirmed order when npm start is killed first and its server second', async () => {
    await start();
    await placeConfirmed();
    await placeConfirmed();
    const pg = serverPid();
    process.kill(npm!.pid!, 'SIGKILL');
    process.kill(pg, 'SIGKILL');
    await gone(pg);
    await gatewayGone();
    await start();
    await expectEveryOrderKept();
    await placeConfirmed();
  }, 240_000);

  it('keeps every confirmed order when the server is killed first and npm start second', async () => {
    const pg = serverPid();
    process.kill(pg, 'SIGKILL');
    process.kill(npm!.pid!, 'SIGKILL');
    await gone(pg);
    await gatewayGone();
    await start();
    await expectEveryOrderKept();
    expect(placed).toHaveLength(3);
  }, 240_000);

  it('stops the services and the server when npm start is killed, leaving nothing running', async () => {
    const pg = serverPid();
    process.kill(npm!.pid!, 'SIGKILL');
    await gone(pg);
    await gatewayGone();
  }, 120_000);
});
