/**
 * The two servers the runtime benchmark compares, answering the same
 * InventoryService/GetStock message:
 *   bare: a plain @grpc/grpc-js server, nothing else;
 *   bare-als: the same, each call answered from a promise inside an
 *         AsyncLocalStorage scope (the floor of any context propagation);
 *   floor: the per-call work the issue requires, written inline with no
 *         framework: how close any runtime doing that work can come to bare;
 *   kit:  the full shopmesh runtime chain (tracing, logging, metrics, error
 *         mapping, overload guard, deadline, auth verifying a bearer token).
 * Usage: node --import tsx servers.ts bare|bare-als|floor|kit PORT [SAMPLE_RATIO]
 * Prints "ready PORT" when listening; on SIGTERM prints "ok N" (calls
 * answered OK) so the driver can check h2load's count against the server's.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';
import { openSync } from 'node:fs';
import { InventoryServiceDefinition, InventoryServiceService, type GetStockRequest, type GetStockResponse } from '@shop/sdk/ts/shop/inventory/v1/inventory_service';
import { createServer } from '@shop/kit/server/create-server';
import { createServerMetrics } from '@shop/kit/server/middleware/metrics';
import { createMetrics } from '@shop/kit/telemetry/metrics';
import { startTracing } from '@shop/kit/telemetry/tracing';
import { createLogger } from '@shop/kit/log/create-logger';
import { createLogDestination } from '@shop/kit/log/log-destination';
import { createBatchedDestination } from '@shop/kit/log/batched-destination';
import { HANDLING_BUCKETS } from '@shop/kit/telemetry/metrics';
import { cacheVerifiedTokens } from '@shop/kit/auth/verified-token-cache';
import { createRevokedSessions, refuseRevokedSessions } from '@shop/kit/auth/revoked-sessions';
import { createUserTokenVerifier } from '@shop/kit/auth/user-token-verifier';
import { createServiceTokenVerifier } from '@shop/kit/auth/service-identity';
import { BENCH_JWK, BENCH_KEYS_DIR } from './token';

const [mode, portArg, ratioArg] = process.argv.slice(2);
const port = Number(portArg ?? 0);
let ok = 0;
const stock = (sku: string): GetStockResponse => ({
  stock: { sku, onHand: 42n, reserved: 2n, available: 40n, sold: 7n, updateTime: new Date(1_700_000_000_000) },
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
  // As runService wires it: verdicts cached, then the revoked-session check
  // (a list with one ended session that is not the benchmark's).
  const revoked = createRevokedSessions({
    source: async (after, _waitMs, signal) => {
      if (after !== '0') await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return { sessions: [{ sessionId: 'another-session', expireTime: Date.now() + 3_600_000 }], position: '1' };
    },
    log,
  });
  revoked.start();
  const user = refuseRevokedSessions(
    cacheVerifiedTokens(createUserTokenVerifier({ issuer: 'shop-users', audience: 'shop', fetchJwks: async () => ({ keys: [BENCH_JWK] }) }), {
      expiresAt: (u) => u.expiresAt,
    }),
    revoked,
  );
  const service = createServiceTokenVerifier({ keysDir: BENCH_KEYS_DIR });
  const server = createServer({
    log,
    service: 'bench',
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
  return {
    shutdown: async () => {
      await revoked.stop();
      await server.shutdown({ graceMs: 1_000 });
    },
  };
}

/**
 * floor: a bare grpc-js server doing, inline and with no framework, the
 * least of what the issue asks of every call: an AsyncLocalStorage scope
 * and a promise, a request id, a deadline, the bearer token looked up in a
 * cache of verified tokens, a sampling decision with trace ids (a real
 * OpenTelemetry span for the sampled share), a request counter and a
 * duration histogram, and one JSON log line through the services' batched
 * destination. It is not a server anyone should run (no error mapping, no
 * access check, no overload guard, no deadline enforcement); it measures
 * how close to bare grpc-js any runtime doing this work can come.
 * FLOOR_SKIP=log,ids,otel leaves those parts out, to see what each costs.
 */
async function floor(): Promise<Server> {
  const skip = new Set((process.env.FLOOR_SKIP ?? '').split(','));
  const ratio = Number(ratioArg ?? 0.1);
  const tracer = startTracing({
    service: 'bench',
    // The floor draws its own sampling decision below; the SDK records every span it is asked for.
    samplerRatio: 1,
    exporter: { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined },
  }).tracer;
  const out = createBatchedDestination({ fd: openSync('/tmp/shop-bench-floor.log', 'w') });
  const storage = new AsyncLocalStorage<{ requestId: string; deadline: number; user: unknown; traceId: string }>();
  // A verdict cache as the runtime keeps one; the floor does not check `until` (the runtime does, one Date.now a call).
  const tokens = new Map<string, { userId: string; until: number }>();
  const ids = Buffer.alloc(24 * 1024);
  let idAt = ids.length;
  let counter = 0;
  // calls and buckets stand for the request counter and duration histogram a scrape would read: written per call, read by nobody here.
  let calls = 0;
  const buckets = new Float64Array(HANDLING_BUCKETS.length + 1);
  const server = new Server({ 'grpc.enable_channelz': 0 });
  const fail = (_c: unknown, cb: sendUnaryData<never>) => cb({ code: 12 });
  server.addService(InventoryServiceService, {
    getStock(call: ServerUnaryCall<GetStockRequest, GetStockResponse>, cb: sendUnaryData<GetStockResponse>) {
      const started = performance.now();
      const rid = call.metadata.get('x-request-id')[0];
      const requestId = typeof rid === 'string' ? rid : `req-${++counter}`;
      const d = call.getDeadline();
      const deadline = typeof d === 'number' && Number.isFinite(d) ? d : Date.now() + 10_000;
      const auth = call.metadata.get('authorization')[0] as string;
      let user = tokens.get(auth);
      if (user === undefined) tokens.set(auth, (user = { userId: 'u1', until: Date.now() + 60_000 }));
      let traceId = '';
      let spanId = '';
      const span = !skip.has('otel') && Math.random() < ratio ? tracer.startSpan('shop.inventory.v1.InventoryService/GetStock') : undefined;
      if (span) {
        ({ traceId, spanId } = span.spanContext());
      } else if (!skip.has('ids')) {
        if (idAt + 24 > ids.length) {
          randomFillSync(ids);
          idAt = 0;
        }
        traceId = ids.toString('hex', idAt, idAt + 16);
        spanId = ids.toString('hex', idAt + 16, idAt + 24);
        idAt += 24;
      }
      storage.run({ requestId, deadline, user, traceId }, () =>
        void Promise.resolve().then(() => {
          ok += 1;
          cb(null, stock(call.request.sku));
          const ms = performance.now() - started;
          calls += 1;
          let b = 0;
          while (b < HANDLING_BUCKETS.length && ms / 1000 > HANDLING_BUCKETS[b]!) b++;
          buckets[b]! += 1;
          span?.end();
          if (skip.has('log')) return;
          out.write(
            `{"level":"info","time":"${new Date().toISOString()}","service":"bench","method":"/shop.inventory.v1.InventoryService/GetStock","trace_id":"${traceId}","span_id":"${spanId}","request_id":"${requestId}","code":"OK","duration_ms":${ms},"user_id":"${user!.userId}","msg":"call"}\n`,
          );
        }),
      );
    },
    batchGetStock: fail, setStock: fail, adjustStock: fail, reserveStock: fail,
    commitReservation: fail, releaseReservation: fail, getReservation: fail, returnReservation: fail,
  });
  await new Promise<number>((res, rej) => server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return server;
}

(async () => {
  const server = mode === 'bare' || mode === 'bare-als' ? await bare(mode === 'bare-als') : mode === 'floor' ? await floor() : await kit();
  process.stdout.write(`ready ${port}\n`);
  process.once('SIGTERM', () => {
    process.stdout.write(`ok ${ok}\n`);
    const done = () => process.exit(0);
    if (server instanceof Server) server.tryShutdown(done);
    else void server.shutdown().then(done);
  });
})();
