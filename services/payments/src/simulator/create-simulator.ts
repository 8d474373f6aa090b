import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatorState, type SimCharge, type SimRefund } from './simulator-state';
import { behaviourOf } from './test-tokens';

/** SimulatorOptions configure createSimulator. */
export interface SimulatorOptions {
  /** secret is the API key callers must send as `Authorization: Bearer <secret>`. */
  secret: string;
  /** dataDir keeps the journal; without it the simulator forgets everything when it stops. */
  dataDir?: string;
  /** slowMs is how long tok_slow takes to answer (default 10 s). */
  slowMs?: number;
  /** log receives one line per request. */
  log?: (details: Record<string, unknown>, message: string) => void;
}

/** SimulatorStats count what reached the simulator, for tests that must prove a call did or did not happen. */
export interface SimulatorStats {
  /** chargeRequests counts authenticated POST /v1/charges requests, repeats included. */
  chargeRequests: number;
  /** chargesCreated counts charges made (not repeats answered from the idempotency key). */
  chargesCreated: number;
  refundRequests: number;
  lookups: number;
}

/** Simulator is the simulated payment provider: a Stripe-like HTTP API in front of SimulatorState. */
export interface Simulator {
  /** listen loads the journal and starts serving; port 0 picks a free port, which is returned. */
  listen(port: number, host?: string): Promise<number>;
  /** close stops serving at once: open connections are closed, slow charges stay pending (completed on the next load). */
  close(): Promise<void>;
  stats(): SimulatorStats;
  /** chargeRequestsFor counts POST /v1/charges requests made with one idempotency key. */
  chargeRequestsFor(idempotencyKey: string): number;
  /** charges lists every charge, oldest first. */
  charges(): PublicCharge[];
}

/** MAX_BODY_BYTES bounds a request body; charge and refund requests are a few hundred bytes. */
const MAX_BODY_BYTES = 16 * 1024;

/** MAX_AMOUNT is the largest amount accepted, in minor units. */
const MAX_AMOUNT = 1_000_000_000_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * createSimulator builds the simulated payment provider without starting it
 * (no side effects until listen). Its API, as the HTTP adapter speaks it:
 *
 * - `POST /v1/charges` `{amount, currency, source, metadata}` with an
 *   `Idempotency-Key` header (required). The token in `source` decides the
 *   outcome (see test-tokens.ts). A repeat with the same key and the same
 *   parameters is answered with the first outcome; with other parameters,
 *   400 `idempotency_error`/`idempotency_key_reused`; while the first is still
 *   being processed, 409 `idempotency_error`/`idempotency_key_in_use`.
 * - `GET /v1/charges?idempotency_key=K` (or `?order_id=O`, or neither for all):
 *   `{object: "list", data: [charge]}`; a charge in progress has status `pending`.
 * - `GET /v1/charges/{id}`: one charge.
 * - `POST /v1/refunds` `{charge, amount?}` with an `Idempotency-Key` header:
 *   refunds a succeeded charge, at most what is left (default: all of it).
 * - `GET /healthz`: 200 without authentication.
 *
 * Everything but /healthz needs `Authorization: Bearer <secret>` (else 401).
 * Errors are `{error: {type, code, message}}` like Stripe's.
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const state = new SimulatorState(options.dataDir);
  const slowMs = options.slowMs ?? 10_000;
  const expected = digest(options.secret);
  const stats: SimulatorStats = { chargeRequests: 0, chargesCreated: 0, refundRequests: 0, lookups: 0 };
  const requestsByKey = new Map<string, number>();
  const sleepers = new Set<() => void>();
  let closed = false;

  /** sleep waits ms, or until close; it tells whether the wait ran to the end. */
  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve(false);
      };
      const timer = setTimeout(() => {
        sleepers.delete(wake);
        resolve(!closed);
      }, ms);
      sleepers.add(wake);
    });

  async function createCharge(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const key = idempotencyKeyOf(req);
    const body = await readJson(req);
    const amount = body.amount;
    const currency = body.currency;
    const source = body.source;
    if (!Number.isSafeInteger(amount) || (amount as number) < 1 || (amount as number) > MAX_AMOUNT) {
      throw new HttpError(400, 'invalid_request_error', 'parameter_invalid_integer', `amount must be a whole number from 1 to ${MAX_AMOUNT}`);
    }
    if (typeof currency !== 'string' || !/^[a-zA-Z]{3}$/.test(currency)) {
      throw new HttpError(400, 'invalid_request_error', 'parameter_invalid', 'currency must be a three-letter ISO code');
    }
    if (typeof source !== 'string' || source === '') throw new HttpError(400, 'invalid_request_error', 'parameter_missing', 'source is required');
    const metadata = body.metadata;
    const orderId = isObject(metadata) && typeof metadata.order_id === 'string' ? metadata.order_id : undefined;

    stats.chargeRequests++;
    requestsByKey.set(key, (requestsByKey.get(key) ?? 0) + 1);
    const requestHash = digest(JSON.stringify([amount, currency.toLowerCase(), source])).toString('hex');
    const existing = state.chargeByKey(key);
    if (existing !== undefined) {
      if (existing.request_hash !== requestHash) {
        throw new HttpError(400, 'idempotency_error', 'idempotency_key_reused', 'Keys for idempotent requests can only be used with the same parameters they were first used with.');
      }
      if (existing.status === 'pending') {
        throw new HttpError(409, 'idempotency_error', 'idempotency_key_in_use', 'There is currently another in-progress request using this Idempotent Key.');
      }
      return answerCharge(res, existing);
    }

    const behaviour = behaviourOf(source);
    if (behaviour.kind === 'error') throw new HttpError(500, 'api_error', 'simulated_error', 'The simulated provider failed (tok_error); nothing was charged.');
    const charge: SimCharge = {
      id: `ch_${randomBytes(12).toString('hex')}`,
      object: 'charge',
      idempotency_key: key,
      request_hash: requestHash,
      amount: amount as number,
      amount_refunded: 0,
      currency: currency.toLowerCase(),
      status: behaviour.kind === 'decline' ? 'failed' : behaviour.kind === 'slow' ? 'pending' : 'succeeded',
      failure_code: behaviour.kind === 'decline' ? behaviour.code : null,
      failure_message: behaviour.kind === 'decline' ? behaviour.message : null,
      metadata: orderId === undefined ? {} : { order_id: orderId },
      created: Math.floor(Date.now() / 1000),
    };
    state.saveCharge(charge);
    stats.chargesCreated++;

    if (behaviour.kind === 'drop') {
      // Charged, but the caller never hears of it.
      req.socket.destroy();
      return;
    }
    if (behaviour.kind === 'slow') {
      if (!(await sleep(slowMs))) return;
      return answerCharge(res, state.saveCharge({ ...charge, status: 'succeeded' }));
    }
    return answerCharge(res, charge);
  }

  function listCharges(url: URL, res: ServerResponse): void {
    stats.lookups++;
    const key = url.searchParams.get('idempotency_key');
    const orderId = url.searchParams.get('order_id');
    let data: SimCharge[];
    if (key !== null) {
      const charge = state.chargeByKey(key);
      data = charge === undefined ? [] : [charge];
    } else {
      data = state.charges().filter((c) => orderId === null || c.metadata.order_id === orderId);
    }
    send(res, 200, { object: 'list', data: data.map(publicCharge) });
  }

  async function createRefund(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const key = idempotencyKeyOf(req);
    const body = await readJson(req);
    if (typeof body.charge !== 'string' || body.charge === '') throw new HttpError(400, 'invalid_request_error', 'parameter_missing', 'charge is required');
    const requested = body.amount;
    if (requested !== undefined && (!Number.isSafeInteger(requested) || (requested as number) < 1)) {
      throw new HttpError(400, 'invalid_request_error', 'parameter_invalid_integer', 'amount must be a positive whole number');
    }
    stats.refundRequests++;
    const requestHash = digest(JSON.stringify([body.charge, requested ?? null])).toString('hex');
    const existing = state.refundByKey(key);
    if (existing !== undefined) {
      if (existing.request_hash !== requestHash) {
        throw new HttpError(400, 'idempotency_error', 'idempotency_key_reused', 'Keys for idempotent requests can only be used with the same parameters they were first used with.');
      }
      return send(res, 200, publicRefund(existing));
    }
    const charge = state.chargeById(body.charge);
    if (charge === undefined) throw new HttpError(404, 'invalid_request_error', 'resource_missing', `No such charge: '${body.charge}'`);
    if (charge.status !== 'succeeded') throw new HttpError(400, 'invalid_request_error', 'charge_not_refundable', `Charge ${charge.id} has not succeeded.`);
    const left = charge.amount - charge.amount_refunded;
    const amount = (requested as number | undefined) ?? left;
    if (amount < 1 || amount > left) {
      throw new HttpError(400, 'invalid_request_error', 'amount_too_large', `Refund amount (${amount}) is greater than unrefunded amount on charge (${left}).`);
    }
    const refund: SimRefund = {
      id: `re_${randomBytes(12).toString('hex')}`,
      object: 'refund',
      idempotency_key: key,
      request_hash: requestHash,
      charge: charge.id,
      amount,
      currency: charge.currency,
      status: 'succeeded',
      created: Math.floor(Date.now() / 1000),
    };
    state.saveRefund(refund, { ...charge, amount_refunded: charge.amount_refunded + amount });
    send(res, 200, publicRefund(refund));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (url.pathname === '/healthz') return send(res, 200, { status: 'ok' });
    if (!authorized(req.headers.authorization, expected)) {
      throw new HttpError(401, 'authentication_error', 'invalid_api_key', 'Invalid API key provided.');
    }
    const method = req.method ?? 'GET';
    if (url.pathname === '/v1/charges') {
      if (method === 'POST') return createCharge(req, res);
      if (method === 'GET') return listCharges(url, res);
      throw new HttpError(405, 'invalid_request_error', 'method_not_allowed', 'Use GET or POST.');
    }
    const one = /^\/v1\/charges\/([^/]+)$/.exec(url.pathname);
    if (one !== null && method === 'GET') {
      const charge = state.chargeById(decodeURIComponent(one[1]!));
      if (charge === undefined) throw new HttpError(404, 'invalid_request_error', 'resource_missing', `No such charge: '${one[1]}'`);
      return send(res, 200, publicCharge(charge));
    }
    if (url.pathname === '/v1/refunds' && method === 'POST') return createRefund(req, res);
    throw new HttpError(404, 'invalid_request_error', 'resource_missing', `Unrecognized request URL (${method}: ${url.pathname}).`);
  }

  const server: Server = createServer((req, res) => {
    const started = Date.now();
    route(req, res)
      .catch((err: unknown) => {
        if (err instanceof HttpError) {
          return send(res, err.status, { error: { type: err.type, code: err.code, message: err.message } });
        }
        options.log?.({ err }, 'simulator request failed');
        return send(res, 500, { error: { type: 'api_error', code: 'internal', message: 'internal simulator error' } });
      })
      .finally(() => options.log?.({ method: req.method, path: req.url, status: res.statusCode, ms: Date.now() - started }, 'request'));
  });

  return {
    async listen(port, host = '127.0.0.1') {
      state.load();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    },
    close() {
      closed = true;
      for (const wake of [...sleepers]) wake();
      return new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
    stats: () => ({ ...stats }),
    chargeRequestsFor: (key) => requestsByKey.get(key) ?? 0,
    charges: () => state.charges().map(publicCharge),
  };
}

/** answerCharge answers a decided charge the way its first request was answered: 200, or 402 for a decline. */
function answerCharge(res: ServerResponse, charge: SimCharge): void {
  if (charge.status === 'failed') {
    return send(res, 402, { error: { type: 'card_error', code: charge.failure_code, message: charge.failure_message, charge: charge.id } });
  }
  return send(res, 200, publicCharge(charge));
}

/** PublicCharge is a charge as the API shows it, without what only the simulator needs. */
export type PublicCharge = Omit<SimCharge, 'request_hash'>;

function publicCharge(charge: SimCharge): PublicCharge {
  const { request_hash: _hash, ...rest } = charge;
  return rest;
}

function publicRefund(refund: SimRefund): Omit<SimRefund, 'request_hash' | 'idempotency_key'> {
  const { request_hash: _hash, idempotency_key: _key, ...rest } = refund;
  return rest;
}

function idempotencyKeyOf(req: IncomingMessage): string {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '' || key.length > 255) {
    throw new HttpError(400, 'invalid_request_error', 'idempotency_key_required', 'An Idempotency-Key header of 1 to 255 characters is required.');
  }
  return key;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_BODY_BYTES) throw new HttpError(413, 'invalid_request_error', 'body_too_large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_request_error', 'parameter_invalid', 'The request body must be a JSON object.');
  }
  if (!isObject(parsed)) throw new HttpError(400, 'invalid_request_error', 'parameter_invalid', 'The request body must be a JSON object.');
  return parsed;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** authorized compares the bearer secret in constant time (digests have equal length whatever was sent). */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
