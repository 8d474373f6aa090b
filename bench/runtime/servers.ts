/**
 * The two servers the runtime benchmark compares, answering the same
 * InventoryService/GetStock message:
 *   bare: a plain @grpc/grpc-js server, nothing else;
 *   bare-als: the same, each call answered from a promise inside an
 *         AsyncLocalStorage scope (the floor of any context propagation);
 *   kit:  the full shopmesh runtime chain (tracing, logging, metrics, error
 *         mapping, overload guard, deadline, auth verifying a bearer token).
 * Usage: node --import tsx servers.ts bare|bare-als|kit PORT [SAMPLE_RATIO]
 * Prints "ready PORT" when listening; on SIGTERM prints "ok N" (calls
 * answered OK) so the driver can check h2load's count against the server's.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { openSync } from 'node:fs';
import { InventoryServiceDefinition, InventoryServiceService, type GetStockRequest, type GetStockResponse } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { createServer } from '@shop/kit/server/create-server';
import { createServerMetrics } from '@shop/kit/server/middleware/metrics';
import { createMetrics } from '@shop/kit/telemetry/metrics';
import { startTracing } from '@shop/kit/telemetry/tracing';
import { createLogger } from '@shop/kit/log/create-logger';
import { createLogDestination } from '@shop/kit/log/log-destination';
import { cacheVerifiedTokens } from '@shop/kit/auth/verified-token-cache';
import { createUserTokenVerifier } from '@shop/kit/auth/user-token-verifier';
import { createServiceTokenVerifier } from '@shop/kit/auth/service-identity';
import { BENCH_JWK, BENCH_KEYS_DIR } from './token';

const [mode, portArg, ratioArg] = process.argv.slice(2);
const port = Number(portArg ?? 0);
let ok = 0;
const stock = (sku: string): GetStockResponse => ({
  stock: { sku, onHand: '42', reserved: '2', available: '40', sold: '7', updateTime: new Date(1_700_000_000_000) },
});

async function bare(withStorage: boolean): Promise<Server> {
  const server = new Server();
  const fail = (_c: unknown, cb: sendUnaryData<never>) => cb({ code: 12 });
  // bare-als: the same server with each call run inside an
  // AsyncLocalStorage scope, as any context propagation on Node 20 needs:
  // the floor under the runtime's cost.
  const storage = new AsyncLocalStorage<{ sku: string }>();
  const answer = (call: ServerUnaryCall<GetStockRequest, GetStockResponse>, cb: sendUnaryData<GetStockResponse>) => {
    ok += 1;
    cb(null, stock(call.request.sku));
  };
  server.addService(InventoryServiceService, {
    getStock(call: ServerUnaryCall<GetStockRequest, GetStockResponse>, cb: sendUnaryData<GetStockResponse>) {
      if (withStorage) storage.run({ sku: call.request.sku }, () => void Promise.resolve().then(() => answer(call, cb)));
      else answer(call, cb);
    },
    batchGetStock: fail, setStock: fail, adjustStock: fail, reserveStock: fail,
    commitReservation: fail, releaseReservation: fail, getReservation: fail, returnReservation: fail,
  });
  await new Promise<number>((res, rej) => server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return server;
}

async function kit(): Promise<{ shutdown(): Promise<void> }> {
  // Spans are batched to an exporter that drops them: the cost of recording
  // and batching is measured, not the collector's.
  startTracing({
    service: 'bench',
    samplerRatio: Number(ratioArg ?? 0.1),
    exporter: { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined },
  });
  // The services' own logger (format, redaction, trace mixin, batching), to a file.
  const log = createLogger({ service: 'bench', level: 'info', destination: createLogDestination(openSync('/tmp/shop-bench-kit.log', 'w')) });
  const metrics = createMetrics({ service: 'bench' });
  const user = cacheVerifiedTokens(createUserTokenVerifier({ issuer: 'shop-users', audience: 'shop', fetchJwks: async () => ({ keys: [BENCH_JWK] }) }), {
    expiresAt: (u) => u.expiresAt,
  });
  const service = createServiceTokenVerifier({ keysDir: BENCH_KEYS_DIR });
  const server = createServer({
    log,
    auth: { verifyUser: (t) => user.verify(t), verifyService: (t) => service.verify(t), knownUser: (t) => user.lookup(t) },
    metrics: createServerMetrics(metrics),
    maxInFlight: 10_000,
  });
  const fail = async (): Promise<never> => {
    throw new Error('unused');
  };
  server.addService(InventoryServiceDefinition, {
    getStock: async (req) => {
      ok += 1;
      return stock(req.sku);
    },
    batchGetStock: fail, setStock: fail, adjustStock: fail, reserveStock: fail,
    commitReservation: fail, releaseReservation: fail, getReservation: fail, returnReservation: fail,
  });
  await server.listen('127.0.0.1', port);
  return { shutdown: () => server.shutdown({ graceMs: 1_000 }) };
}

(async () => {
  const server = mode === 'bare' || mode === 'bare-als' ? await bare(mode === 'bare-als') : await kit();
  process.stdout.write(`ready ${port}\n`);
  process.once('SIGTERM', () => {
    process.stdout.write(`ok ${ok}\n`);
    const done = () => process.exit(0);
    if (server instanceof Server) server.tryShutdown(done);
    else void server.shutdown().then(done);
  });
})();
