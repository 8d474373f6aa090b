import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulator, type Simulator } from '../simulator/create-simulator';
import { createHttpProvider } from './http-provider';
import { ProviderError, type PaymentProvider } from './types';

const SECRET = 'sk_test_adapter';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** fakeProvider serves whatever the current handler answers and keeps the requests it saw. */
async function fakeProvider(): Promise<{ url: string; answer(h: Handler): void; seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }>; close(): Promise<void> }> {
  let handler: Handler = (_req, res) => res.end();
  const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer: (h) => {
      handler = h;
    },
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const request = { idempotencyKey: 'key-1', amount: 1999n, currency: 'EUR', token: 'tok_approve', orderId: 'order-1' };

async function failure(call: Promise<unknown>): Promise<ProviderError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(err)}`);
  return err;
}

describe('the HTTP provider adapter against the simulator', () => {
  let sim: Simulator;
  let provider: PaymentProvider;
  let baseUrl: string;

  beforeAll(async () => {
    sim = createSimulator({ secret: SECRET, slowMs: 500 });
    baseUrl = `http://127.0.0.1:${await sim.listen(0)}/`;
    provider = createHttpProvider({ name: 'simulated', baseUrl, secret: SECRET, timeoutMs: 200 });
  });
  afterAll(() => sim.close());

  it('captures, finds the charge by key and refunds it', async () => {
    const charge = await provider.charge({ ...request, idempotencyKey: 'sim-approve' });
    expect(charge).toEqual({ status: 'captured', providerChargeId: expect.stringMatching(/^ch_/) });
    expect(await provider.findCharge('sim-approve')).toEqual(charge);
    expect(await provider.findCharge('sim-never')).toEqual({ status: 'not_found' });
    const refund = await provider.refund({ idempotencyKey: 'sim-refund', providerChargeId: (charge as { providerChargeId: string }).providerChargeId, amount: 500n });
    expect(refund.providerRefundId).toMatch(/^re_/);
  });

  it('returns a decline as an answer with its code', async () => {
    expect(await provider.charge({ ...request, idempotencyKey: 'sim-decline', token: 'tok_decline' })).toEqual({
      status: 'declined',
      providerChargeId: expect.stringMatching(/^ch_/),
      declineCode: 'card_declined',
    });
    expect(await provider.findCharge('sim-decline')).toMatchObject({ status: 'declined', declineCode: 'card_declined' });
  });

  it('reports tok_error as a server error that certainly charged nothing', async () => {
    const err = await failure(provider.charge({ ...request, idempotencyKey: 'sim-error', token: 'tok_error' }));
    expect(err).toMatchObject({ kind: 'server', ambiguous: false, status: 500 });
  });

  it('reports tok_slow past its timeout as an ambiguous timeout, and the lookup as pending meanwhile', async () => {
    const err = await failure(provider.charge({ ...request, idempotencyKey: 'sim-slow', token: 'tok_slow' }));
    expect(err).toMatchObject({ kind: 'timeout', ambiguous: true });
    expect(await provider.findCharge('sim-slow')).toEqual({ status: 'pending' });
    const repeat = await failure(provider.charge({ ...request, idempotencyKey: 'sim-slow', token: 'tok_slow' }));
    expect(repeat).toMatchObject({ kind: 'in_progress', ambiguous: true, status: 409 });
  });

  it('reports a dropped connection after the charge as ambiguous', async () => {
    const err = await failure(provider.charge({ ...request, idempotencyKey: 'sim-drop', token: 'tok_drop' }));
    expect(err).toMatchObject({ kind: 'network', ambiguous: true });
    expect(await provider.findCharge('sim-drop')).toMatchObject({ status: 'captured' });
  });

  it('reports a wrong secret as unauthorized, certain that nothing was charged', async () => {
    const wrong = createHttpProvider({ name: 'simulated', baseUrl, secret: 'sk_wrong' });
    expect(await failure(wrong.charge({ ...request, idempotencyKey: 'sim-wrong-secret' }))).toMatchObject({ kind: 'unauthorized', ambiguous: false, status: 401 });
    expect(sim.chargeRequestsFor('sim-wrong-secret')).toBe(0);
  });
});

describe('the HTTP provider adapter against a misbehaving server', () => {
  let fake: Awaited<ReturnType<typeof fakeProvider>>;
  let provider: PaymentProvider;

  beforeAll(async () => {
    fake = await fakeProvider();
    provider = createHttpProvider({ name: 'real', baseUrl: fake.url, secret: SECRET, timeoutMs: 300, maxResponseBytes: 1024 });
  });
  afterAll(() => fake.close());

  it('sends the secret as a bearer token, the Idempotency-Key header and a JSON body', async () => {
    fake.answer((_req, res) => json(res, 200, { id: 'ch_1', status: 'succeeded', amount: 1999, currency: 'eur' }));
    await provider.charge(request);
    const sent = fake.seen.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1/charges');
    expect(sent.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(sent.headers['idempotency-key']).toBe('key-1');
    expect(JSON.parse(sent.body)).toEqual({ amount: 1999, currency: 'eur', source: 'tok_approve', metadata: { order_id: 'order-1' } });
  });

  it('reports a 401 as unauthorized and a 409 as in progress', async () => {
    fake.answer((_req, res) => json(res, 401, { error: { type: 'authentication_error', message: 'bad key' } }));
    expect(await failure(provider.charge(request))).toMatchObject({ kind: 'unauthorized', ambiguous: false, status: 401 });
    fake.answer((_req, res) => json(res, 409, { error: { type: 'idempotency_error', code: 'idempotency_key_in_use' } }));
    expect(await failure(provider.charge(request))).toMatchObject({ kind: 'in_progress', ambiguous: true });
  });

  it('treats a 5xx without the provider error body as ambiguous', async () => {
    fake.answer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>bad gateway</html>');
    });
    expect(await failure(provider.charge(request))).toMatchObject({ kind: 'server', ambiguous: true, status: 502 });
  });

  it('treats a 200 that is not a charge as an unreadable, ambiguous answer', async () => {
    fake.answer((_req, res) => json(res, 200, { ok: true }));
    expect(await failure(provider.charge(request))).toMatchObject({ kind: 'bad_response', ambiguous: true });
    fake.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "ch_1", "status": "succ');
    });
    expect(await failure(provider.charge(request))).toMatchObject({ kind: 'bad_response', ambiguous: true });
  });

  it('never calls a charge of another amount a success', async () => {
    fake.answer((_req, res) => json(res, 200, { id: 'ch_2', status: 'succeeded', amount: 1, currency: 'eur' }));
    expect(await failure(provider.charge(request))).toMatchObject({ kind: 'bad_response', ambiguous: true });
  });

  it('cuts off an answer larger than the limit, declared or streamed', async () => {
    fake.answer((_req, res) => json(res, 200, { id: 'ch_3', status: 'succeeded', amount: 1999, currency: 'eur', padding: 'x'.repeat(2000) }));
    expect(await failure(provider.charge(request))).toMatchObject({ kind: 'bad_response', ambiguous: true });
    fake.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 10; i++) res.write('x'.repeat(500));
      res.end();
    });
    expect(await failure(provider.charge(request))).toMatchObject({ kind: 'bad_response', ambiguous: true });
  });

  it('times out a server that never answers, as ambiguous', async () => {
    fake.answer(() => undefined);
    const started = Date.now();
    expect(await failure(provider.charge(request))).toMatchObject({ kind: 'timeout', ambiguous: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('aborts when the caller signal aborts', async () => {
    fake.answer(() => undefined);
    const err = await failure(provider.findCharge('key-1', { signal: AbortSignal.timeout(50) }));
    expect(err.kind).toBe('timeout');
  });

  it('reports a refused connection as certain that nothing was charged', async () => {
    const closed = await fakeProvider();
    const url = closed.url;
    await closed.close();
    const gone = createHttpProvider({ name: 'real', baseUrl: url, secret: SECRET });
    expect(await failure(gone.charge(request))).toMatchObject({ kind: 'network', ambiguous: false });
  });

  it('reads a pending charge from the lookup as pending, and a decline from a 402', async () => {
    fake.answer((_req, res) => json(res, 200, { object: 'list', data: [{ id: 'ch_4', status: 'pending', amount: 1999, currency: 'eur' }] }));
    expect(await provider.findCharge('key-1')).toEqual({ status: 'pending' });
    expect(fake.seen.at(-1)!.url).toBe('/v1/charges?idempotency_key=key-1');
    fake.answer((_req, res) => json(res, 402, { error: { type: 'card_error', code: 'expired_card', charge: 'ch_5' } }));
    expect(await provider.charge(request)).toEqual({ status: 'declined', providerChargeId: 'ch_5', declineCode: 'expired_card' });
  });

  it('reports a refused refund as rejected, certain that nothing was refunded', async () => {
    fake.answer((_req, res) => json(res, 400, { error: { type: 'invalid_request_error', code: 'amount_too_large' } }));
    expect(await failure(provider.refund({ idempotencyKey: 'r-1', providerChargeId: 'ch_1', amount: 5n }))).toMatchObject({ kind: 'rejected', ambiguous: false });
  });
});
