/**
 * The processes the gateway benchmark runs, all answering "get product
 * 3f2b...":
 *   backend PORT               a plain @grpc/grpc-js CatalogService (GetProduct from memory)
 *   gateway PORT BACKEND TRANSPORT
 *                              the REST gateway as main.ts builds it (tracing at the
 *                              default 10 %, per-IP and per-user rate limiting on with
 *                              limits too high to refuse, logs to a file), every
 *                              service pointed at BACKEND; TRANSPORT is lean or node-http2
 *   bare PORT                  node:http answering GET with the JSON the gateway sends
 * Each prints "ready PORT" when listening and, on SIGTERM, "ok N": the
 * calls the backend answered (or the bare server served), so the driver can
 * check the load tool's count against the server's. The gateway counts
 * nothing itself: a per-response hook would be part of what is measured.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { createServer } from 'node:http';
import { openSync } from 'node:fs';
import pino from 'pino';
import { fromJson, toJson, type JsonObject } from '@bufbuild/protobuf';
import { CatalogServiceService, type GetProductRequest, type GetProductResponse } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { sharedContract } from '@shop/kit/contract/contract';
import { startTracing } from '@shop/kit/telemetry/tracing';
import { traceMixin } from '@shop/kit/log/trace-mixin';
import { createGateway } from '../../gateway/src/create-gateway';
import { PRODUCT } from './product';
import { MemoryRateLimiter } from '../../gateway/src/security/rate-limit';

const [mode, portArg, backendArg, transportArg] = process.argv.slice(2);
const port = Number(portArg);
let ok = 0;

async function backend(): Promise<() => Promise<void>> {
  const server = new Server();
  const fail = (_call: unknown, cb: sendUnaryData<never>) => cb({ code: 12 });
  server.addService(CatalogServiceService, {
    getProduct(call: ServerUnaryCall<GetProductRequest, GetProductResponse>, cb: sendUnaryData<GetProductResponse>) {
      ok += 1;
      cb(null, { product: { ...PRODUCT.product!, id: call.request.productId } });
    },
    createProduct: fail, batchGetProducts: fail, listProducts: fail, updateProduct: fail, deleteProduct: fail,
  });
  await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return () => new Promise((resolve) => server.tryShutdown(() => resolve()));
}

async function gateway(): Promise<() => Promise<void>> {
  // As main.ts does; GATEWAY_BENCH_TRACING=off measures without it.
  const tracing =
    process.env.GATEWAY_BENCH_TRACING === 'off'
      ? { tracer: undefined, shutdown: async () => undefined }
      : startTracing({
          service: 'gateway',
          samplerRatio: 0.1,
          asyncContext: false,
          exporter: { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined },
        });
  const log = pino({ base: { service: 'gateway' }, mixin: traceMixin, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: openSync('/tmp/shop-bench-gateway.log', 'w'), sync: false }));
  const target = `127.0.0.1:${backendArg}`;
  const gw = createGateway({
    contract: sharedContract(),
    log,
    backends: () => [target],
    limiter: new MemoryRateLimiter(),
    tracer: tracing.tracer,
    settings: {
      transport: transportArg === 'node-http2' ? 'node-http2' : 'lean',
      // On, with limits no benchmark reaches: the cost is measured, not the refusals.
      rateLimit: { ip: { perSecond: 1e9, burst: 1e9 }, user: { perSecond: 1e9, burst: 1e9 } },
    },
  });
  await gw.listen(port);
  return async () => {
    await gw.close({ graceMs: 1_000 });
    await tracing.shutdown();
  };
}

async function bare(): Promise<() => Promise<void>> {
  // The same bytes the gateway sends: the canonical JSON of the same message.
  const schema = sharedContract().registry.getMessage('shop.catalog.v1.GetProductResponse')!;
  const body = JSON.stringify(toJson(schema, fromJson(schema, productJson())));
  const server = createServer((_req, res) => {
    ok += 1;
    res.writeHead(200, ['content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body))]);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () => new Promise((resolve) => server.close(() => resolve()));
}

function productJson(): JsonObject {
  const p = PRODUCT.product!;
  return {
    product: {
      id: p.id, sku: p.sku, name: p.name, description: p.description, price: { currencyCode: p.price!.currencyCode, amountMinor: p.price!.amountMinor },
      category: p.category, imageUrl: p.imageUrl, createTime: p.createTime!.toISOString(), updateTime: p.updateTime!.toISOString(), version: p.version,
    },
  };
}

(async () => {
  const stop = mode === 'backend' ? await backend() : mode === 'gateway' ? await gateway() : await bare();
  process.stdout.write(`ready ${port}\n`);
  process.once('SIGTERM', () => {
    process.stdout.write(`ok ${ok}\n`);
    void stop().then(() => process.exit(0));
  });
})();
