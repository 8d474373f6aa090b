/**
 * bench/orders: orders placed per second end to end, with every process real
 * (users, catalog, inventory, payments + the payment simulator, orders,
 * shipping; started by test/support/mesh.ts). N clients, each placing orders
 * one after another as the demo customer (one mug, `tok_approve`, a fresh
 * idempotency key) for D seconds. Reported: PlaceOrder answers per second,
 * p50/p99 of PlaceOrder latency (until its response), and p50/p99 of the time
 * until CONFIRMED (the order's update_time - create_time, read afterwards;
 * shipping is held back with SHIP_DELAY so nothing moves on to SHIPPED).
 * Runs on PGlite, on the embedded PostgreSQL server `npm start` uses (its
 * binaries, a fresh data directory), then on PostgreSQL when --database-url
 * or TEST_DATABASE_URL is given.
 *
 *   npx tsx bench/orders/run.ts [--clients 8] [--duration 20] [--warmup 3] [--rounds 1] [--database-url postgres://...]
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgresBinaries, startEmbeddedPostgres } from '@shop/kit/embedded-postgres';
import { OrderState } from '@shop/sdk/ts/shop/orders/v1/order';
import { startMesh } from '../../test/support/mesh';
import { ADDRESS, CHECKOUT_SERVICES, DEMO_PRODUCTS, loginAda, meshClients } from '../../test/support/checkout';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const clients = Number(arg('clients') ?? 8);
const duration = Number(arg('duration') ?? 20);
const warmup = Number(arg('warmup') ?? 3);
const databaseUrl = arg('database-url') ?? process.env.TEST_DATABASE_URL;
/** rounds alternate the storages, so a busy spell of the machine (CPU steal) hits them alike; medians are compared. */
const rounds = Number(arg('rounds') ?? 1);

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Result {
  backend: string;
  placed: number;
  errors: number;
  perSecond: number;
  placeP50: number;
  placeP99: number;
  confirmed: number;
  failed: number;
  confirmP50: number;
  confirmP99: number;
}

async function run(backend: string, url: string | undefined): Promise<Result> {
  const mesh = await startMesh([...CHECKOUT_SERVICES], { simulator: true, databaseUrl: url, env: { SHIP_DELAY: '24h' } });
  try {
    const admin = meshClients(mesh);
    const { tokens } = await admin.auth.login({ email: 'admin@shop.example', password: 'admin-password-1' });
    admin.close();
    const adminShop = meshClients(mesh, tokens!.accessToken);
    await adminShop.inventory.setStock({ sku: DEMO_PRODUCTS.mug.sku, onHand: 10_000_000n });
    adminShop.close();
    const shop = meshClients(mesh, await loginAda(mesh));

    const latencies: number[] = [];
    const ids: string[] = [];
    let errors = 0;
    const place = async () => {
      const started = performance.now();
      const { order } = await shop.orders.placeOrder({
        idempotencyKey: `bench-${randomUUID()}`,
        items: [{ productId: DEMO_PRODUCTS.mug.id, quantity: 1n }],
        shippingAddress: ADDRESS,
        paymentToken: 'tok_approve',
      });
      return { ms: performance.now() - started, id: order!.id };
    };
    const loop = async (until: number, record: boolean) => {
      while (performance.now() < until) {
        try {
          const { ms, id } = await place();
          if (record && performance.now() <= until) {
            latencies.push(ms);
            ids.push(id);
          }
        } catch (err) {
          if (record) errors++;
          else throw err;
        }
      }
    };
    const warmEnd = performance.now() + warmup * 1000;
    await Promise.all(Array.from({ length: clients }, () => loop(warmEnd, false)));
    const start = performance.now();
    await Promise.all(Array.from({ length: clients }, () => loop(start + duration * 1000, true)));
    const elapsed = (performance.now() - start) / 1000;

    // Time to CONFIRMED, from the orders' own timestamps once every order has settled.
    const confirmMs: number[] = [];
    let failed = 0;
    for (const id of ids) {
      for (;;) {
        const { order } = await shop.orders.getOrder({ orderId: id });
        if (order!.state === OrderState.ORDER_STATE_PENDING) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (order!.state === OrderState.ORDER_STATE_CONFIRMED) confirmMs.push(order!.updateTime!.getTime() - order!.createTime!.getTime());
        else failed++;
        break;
      }
    }
    shop.close();
    latencies.sort((a, b) => a - b);
    confirmMs.sort((a, b) => a - b);
    return {
      backend,
      placed: latencies.length,
      errors,
      perSecond: latencies.length / elapsed,
      placeP50: percentile(latencies, 50),
      placeP99: percentile(latencies, 99),
      confirmed: confirmMs.length,
      failed,
      confirmP50: percentile(confirmMs, 50),
      confirmP99: percentile(confirmMs, 99),
    };
  } finally {
    await mesh.stop();
  }
}

async function main() {
  const backends: Array<[string, string | undefined]> = [['PGlite', undefined]];
  const binaries = findPostgresBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-bench-pg-'));
  chmodSync(dir, 0o755);
  const embedded = 'postgres' in binaries ? await startEmbeddedPostgres({ dir, databases: ['bench'], binaries }) : undefined;
  if (embedded) backends.push([`embedded PostgreSQL ${embedded.version} (npm start)`, embedded.adminUrl('bench')]);
  else console.warn(`no embedded PostgreSQL: ${'reason' in binaries ? binaries.reason : ''}`);
  if (databaseUrl) backends.push(['PostgreSQL', databaseUrl]);
  else console.warn('no --database-url or TEST_DATABASE_URL: PostgreSQL skipped');
  console.log(`${clients} clients, ${duration} s measured after ${warmup} s warm-up, ${rounds} round(s)`);
  console.log('| storage | round | orders placed | orders/s | PlaceOrder p50 | PlaceOrder p99 | confirmed / failed | to CONFIRMED p50 | to CONFIRMED p99 | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const rates = new Map<string, number[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const [name, url] of backends) {
      const r = await run(name, url);
      rates.set(name, [...(rates.get(name) ?? []), r.perSecond]);
      const ms = (v: number) => `${v.toFixed(0)} ms`;
      console.log(
        `| ${r.backend} | ${round} | ${r.placed} | ${r.perSecond.toFixed(1)} | ${ms(r.placeP50)} | ${ms(r.placeP99)} | ${r.confirmed} / ${r.failed} | ${ms(r.confirmP50)} | ${ms(r.confirmP99)} | ${r.errors} |`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(rates.get('PGlite')!);
  for (const [name, xs] of rates) console.log(`${name}: median ${median(xs).toFixed(1)} orders/s, ${(median(xs) / base).toFixed(2)} x PGlite`);
  await embedded?.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
