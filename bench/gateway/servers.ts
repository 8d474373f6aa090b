/**
 * The processes the gateway benchmark runs, all answering "get product
 * 3f2b...":
 *   backend PORT               a plain @grpc/grpc-js CatalogService (GetProduct from memory)
 *   gateway PORT BACKEND TRANSPORT
 *                              the REST gateway as main.ts builds it (tracing at the
 *                              default 10 %, per-IP and per-user rate limiting on with
 *                              limits too high to refuse, logs to a file), every
 *                              service pointed at BACKEND; TRANSPORT is lean or node-http2
 *   floor PORT BACKEND         node:http + the gateway's lean client and JSON codec, nothing else
 *   naive PORT BACKEND         fastify + the generated @grpc/grpc-js client + toJSON (the naive design)
 *   naive-http PORT BACKEND    the same on node:http
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
    // The benchmark sends no bearer tokens: an empty list of revoked sessions, without a users service to poll.
    revocations: async () => ({ sessions: [], position: '0' }),
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
      id: p.id, sku: p.sku, name: p.name, description: p.description, price: { currencyCode: p.price!.currencyCode, amountMinor: String(p.price!.amountMinor) },
      category: p.category, imageUrl: p.imageUrl, createTime: p.createTime!.toISOString(), updateTime: p.updateTime!.toISOString(), version: String(p.version),
    },
  };
}

/**
 * floor: the least any REST-to-gRPC gateway built on node:http does per
 * request, with the gateway's own upstream client and JSON codec: take the
 * id from the path, encode the request, call the backend with the metadata
 * every gateway call carries (deadline, request id, trace context), turn
 * the answer into JSON and send it. No routing table, authentication, rate
 * limit, tracing, metrics or log line: not a gateway anyone should run, but
 * the ceiling under what the real one can reach in the same set-up.
 */
async function floor(): Promise<() => Promise<void>> {
  const { GrpcChannel } = await import('../../gateway/src/upstream/grpc-client');
  const { EndpointPool } = await import('../../gateway/src/upstream/endpoint-pool');
  const { createLeanTransport } = await import('../../gateway/src/upstream/h2-connection');
  const { JsonCodec } = await import('../../gateway/src/transcode/binary-to-json');
  const { GetProductRequest: Request } = await import('@shop/sdk/ts/shop/catalog/v1/catalog_service');
  const registry = sharedContract().registry;
  const output = registry.getMessage('shop.catalog.v1.GetProductResponse')!;
  const codec = new JsonCodec(registry);
  const pool = new EndpointPool({ targets: [`127.0.0.1:${backendArg}`], transport: createLeanTransport(), connectTimeoutMs: 1_000, refreshMs: 0 });
  await pool.start();
  const channel = new GrpcChannel(pool, { maxMessageBytes: 4 << 20, userAgent: 'shop-gateway' });
  let n = 0;
  const server = createServer((req, res) => {
    const id = req.url!.slice('/v1/products/'.length);
    const metadata = ['x-request-id', `9d3b1c1e-6c0e-4d8a-9a55-${String(++n).padStart(12, '0')}`, 'traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'];
    void channel
      .unary({ path: '/shop.catalog.v1.CatalogService/GetProduct', message: Request.encode({ productId: id }).finish(), metadata, deadline: Date.now() + 10_000 })
      .then(({ status, response }) => {
        if (status.code !== 0) {
          res.writeHead(502).end();
          return;
        }
        ok += 1;
        const body = JSON.stringify(codec.toJsonValue(output, response!));
        res.writeHead(200, ['content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body))]);
        res.end(body);
      });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () => new Promise((resolve) => server.close(() => resolve()));
}

/**
 * naive: the design a team writes first, fastify in front of the generated
 * @grpc/grpc-js client: a route, a call, the generated toJSON. No
 * validation, auth, limits, tracing or logs (fastify's own logger off).
 */
async function naive(): Promise<() => Promise<void>> {
  const { default: Fastify } = await import('fastify');
  const { credentials, Metadata } = await import('@grpc/grpc-js');
  const { CatalogServiceClient, GetProductResponse: Response } = await import('@shop/sdk/ts/shop/catalog/v1/catalog_service');
  const client = new CatalogServiceClient(`127.0.0.1:${backendArg}`, credentials.createInsecure());
  const app = Fastify({ logger: false });
  app.get<{ Params: { productId: string } }>('/v1/products/:productId', (request, reply) => {
    client.getProduct({ productId: request.params.productId }, new Metadata(), { deadline: Date.now() + 10_000 }, (err, response) => {
      if (err) return void reply.code(502).send();
      ok += 1;
      void reply.send(Response.toJSON(response));
    });
  });
  await app.listen({ port, host: '127.0.0.1' });
  return async () => {
    await app.close();
    client.close();
  };
}

/**
 * naiveHttp: the same design on node:http instead of fastify, to show what
 * the framework adds.
 */
async function naiveHttp(): Promise<() => Promise<void>> {
  const { credentials, Metadata } = await import('@grpc/grpc-js');
  const { CatalogServiceClient, GetProductResponse: Response } = await import('@shop/sdk/ts/shop/catalog/v1/catalog_service');
  const client = new CatalogServiceClient(`127.0.0.1:${backendArg}`, credentials.createInsecure());
  const route = /^\/v1\/products\/([^/?]+)$/;
  const server = createServer((req, res) => {
    const match = route.exec(req.url ?? '');
    if (req.method !== 'GET' || !match) return void res.writeHead(404).end();
    client.getProduct({ productId: decodeURIComponent(match[1]!) }, new Metadata(), { deadline: Date.now() + 10_000 }, (err, response) => {
      if (err) return void res.writeHead(502).end();
      ok += 1;
      const body = JSON.stringify(Response.toJSON(response));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () => new Promise((resolve) => server.close(() => (client.close(), resolve())));
}

(async () => {
  const modes: Record<string, () => Promise<() => Promise<void>>> = { backend, gateway, floor, naive, 'naive-http': naiveHttp, bare };
  const stop = await (modes[mode] ?? bare)();
  process.stdout.write(`ready ${port}\n`);
  process.once('SIGTERM', () => {
    process.stdout.write(`ok ${ok}\n`);
    void stop().then(() => process.exit(0));
  });
})();
