/**
 * The gRPC client alone: N GetProduct calls, 50 at a time, through the
 * gateway's GrpcChannel over the given transport, against the benchmark
 * backend. Prints the client's CPU time per call (after a warm-up), which is
 * what the transport choice decides.
 * Usage: node --import tsx client.ts lean|node-http2 BACKEND_PORT CALLS [UPSTREAM_DIR]
 * UPSTREAM_DIR is another copy of gateway/src/upstream (ab.ts extracts an
 * older revision's), to measure before and after in the same run.
 */
import { join, resolve } from 'node:path';
import { GetProductRequest } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import type { EndpointPool as Pool } from '../../gateway/src/upstream/endpoint-pool';
import type { GrpcChannel } from '../../gateway/src/upstream/grpc-client';

const [transportName, portArg, callsArg, upstreamArg] = process.argv.slice(2);
const upstream = upstreamArg ? resolve(upstreamArg) : join(__dirname, '../../gateway/src/upstream');
const calls = Number(callsArg ?? 50_000);
const message = GetProductRequest.encode({ productId: '3f2b6c1e-5d4a-4b7c-9e8f-1a2b3c4d5e6f' }).finish();
const metadata = ['x-request-id', '9d3b1c1e-6c0e-4d8a-9a55-0b6d2c4f1e77', 'traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'];

async function run(channel: GrpcChannel, total: number): Promise<void> {
  let started = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const next = () => {
      if (started >= total) return;
      started += 1;
      void channel.unary({ path: '/shop.catalog.v1.CatalogService/GetProduct', message, metadata, deadline: Date.now() + 10_000 }).then((r) => {
        if (r.status.code !== 0) return reject(new Error(`call failed: ${r.status.code} ${r.status.message}`));
        done += 1;
        if (done === total) resolve();
        else next();
      });
    };
    for (let i = 0; i < 50; i++) next();
  });
}

(async () => {
  const { EndpointPool } = (await import(join(upstream, 'endpoint-pool'))) as { EndpointPool: typeof Pool };
  const { GrpcChannel } = (await import(join(upstream, 'grpc-client'))) as typeof import('../../gateway/src/upstream/grpc-client');
  const { createLeanTransport } = (await import(join(upstream, 'h2-connection'))) as typeof import('../../gateway/src/upstream/h2-connection');
  const { createNodeHttp2Transport } = (await import(join(upstream, 'node-http2-transport'))) as typeof import('../../gateway/src/upstream/node-http2-transport');
  const transport = transportName === 'node-http2' ? createNodeHttp2Transport() : createLeanTransport();
  const pool = new EndpointPool({ targets: [`127.0.0.1:${portArg}`], transport, connectTimeoutMs: 2_000, refreshMs: 0 });
  await pool.start();
  const channel = new GrpcChannel(pool, { maxMessageBytes: 1 << 20, userAgent: 'bench' });
  await run(channel, Math.min(10_000, calls));
  const before = process.cpuUsage();
  const started = process.hrtime.bigint();
  await run(channel, calls);
  const cpu = process.cpuUsage(before);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${JSON.stringify({ cpuUsPerCall: (cpu.user + cpu.system) / calls, callsPerSecond: calls / seconds })}\n`);
  pool.close();
})().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
