import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSimulator, type Simulator } from './create-simulator';

const SECRET = 'sk_test_unit';

interface Answer {
  status: number;
  body: any;
}

function client(port: number, secret = SECRET) {
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, p: string, body?: unknown, key?: string): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    if (key !== undefined) headers['idempotency-key'] = key;
    const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  return {
    charge: (key: string, source: string, amount = 1999) => call('POST', '/v1/charges', { amount, currency: 'eur', source, metadata: { order_id: `order-${key}` } }, key),
    lookup: (key: string) => call('GET', `/v1/charges?idempotency_key=${encodeURIComponent(key)}`),
    refund: (key: string, charge: string, amount?: number) => call('POST', '/v1/refunds', { charge, amount }, key),
    call,
  };
}

describe('the payment simulator', () => {
  let sim: Simulator;
  let api: ReturnType<typeof client>;
  let port: number;

  beforeEach(async () => {
    sim = createSimulator({ secret: SECRET, slowMs: 300 });
    port = await sim.listen(0);
    api = client(port);
  });
  afterEach(() => sim.close());

  it('refuses a request without the right secret and answers /healthz without one', async () => {
    const wrong = await client(port, 'sk_wrong').charge('k-1', 'tok_approve');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.type).toBe('authentication_error');
    expect((await fetch(`http://127.0.0.1:${port}/v1/charges`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(sim.stats().chargeRequests).toBe(0);
  });

  it('requires an Idempotency-Key on charges', async () => {
    const res = await api.call('POST', '/v1/charges', { amount: 100, currency: 'eur', source: 'tok_approve' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('idempotency_key_required');
  });

  it('approves tok_approve once and answers a repeat with the same charge', async () => {
    const first = await api.charge('k-approve', 'tok_approve');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ object: 'charge', status: 'succeeded', amount: 1999, currency: 'eur', metadata: { order_id: 'order-k-approve' } });
    const again = await api.charge('k-approve', 'tok_approve');
    expect(again.body.id).toBe(first.body.id);
    expect(sim.stats()).toMatchObject({ chargeRequests: 2, chargesCreated: 1 });
    expect(sim.chargeRequestsFor('k-approve')).toBe(2);
  });

  it('refuses a key reused with other parameters', async () => {
    await api.charge('k-reuse', 'tok_approve', 1000);
    const res = await api.charge('k-reuse', 'tok_approve', 2000);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_reused' });
  });

  it('declines tok_decline and tok_insufficient_funds with 402, the same way on a repeat', async () => {
    const declined = await api.charge('k-decline', 'tok_decline');
    expect(declined.status).toBe(402);
    expect(declined.body.error).toMatchObject({ type: 'card_error', code: 'card_declined' });
    const again = await api.charge('k-decline', 'tok_decline');
    expect(again).toEqual(declined);
    expect((await api.charge('k-funds', 'tok_insufficient_funds')).body.error.code).toBe('insufficient_funds');
    expect((await api.lookup('k-decline')).body.data[0]).toMatchObject({ status: 'failed', failure_code: 'card_declined' });
  });

  it('declines a token it does not know', async () => {
    const res = await api.charge('k-unknown', 'tok_whatever');
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('invalid_token');
  });

  it('fails tok_error with 500 api_error and remembers nothing under the key', async () => {
    const res = await api.charge('k-error', 'tok_error');
    expect(res.status).toBe(500);
    expect(res.body.error.type).toBe('api_error');
    expect((await api.lookup('k-error')).body.data).toEqual([]);
    expect(sim.stats().chargesCreated).toBe(0);
  });

  it('records tok_slow as pending at once, refuses a concurrent repeat with 409 and answers after the delay', async () => {
    const started = Date.now();
    const slow = api.charge('k-slow', 'tok_slow');
    await new Promise((r) => setTimeout(r, 50));
    expect((await api.lookup('k-slow')).body.data[0].status).toBe('pending');
    const concurrent = await api.charge('k-slow', 'tok_slow');
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.error.code).toBe('idempotency_key_in_use');
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('succeeded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect((await api.lookup('k-slow')).body.data[0].status).toBe('succeeded');
  });

  it('charges tok_drop but closes the connection without an answer', async () => {
    await expect(api.charge('k-drop', 'tok_drop')).rejects.toThrow();
    expect((await api.lookup('k-drop')).body.data[0].status).toBe('succeeded');
  });

  it('refunds part, then the rest, refuses more and answers a repeated refund key without refunding again', async () => {
    const charge = (await api.charge('k-refund', 'tok_approve', 1000)).body;
    const part = await api.refund('r-1', charge.id, 300);
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ object: 'refund', amount: 300, charge: charge.id, status: 'succeeded' });
    expect((await api.refund('r-1', charge.id, 300)).body.id).toBe(part.body.id);
    const tooMuch = await api.refund('r-2', charge.id, 800);
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.code).toBe('amount_too_large');
    const rest = await api.refund('r-3', charge.id);
    expect(rest.body.amount).toBe(700);
    expect((await api.lookup('k-refund')).body.data[0].amount_refunded).toBe(1000);
    expect((await api.refund('r-4', 'ch_missing', 1)).status).toBe(404);
  });

  it('lists the charges of an order', async () => {
    await api.charge('k-list', 'tok_approve');
    const res = await api.call('GET', '/v1/charges?order_id=order-k-list');
    expect(res.body.data.map((c: { idempotency_key: string }) => c.idempotency_key)).toEqual(['k-list']);
  });
});

describe('the payment simulator with a data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'paysim-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('remembers charges and refunds across a restart', async () => {
    const first = createSimulator({ secret: SECRET, dataDir: dir });
    const api1 = client(await first.listen(0));
    const charge = (await api1.charge('k-keep', 'tok_approve', 500)).body;
    await api1.refund('r-keep', charge.id, 200);
    await first.close();

    const second = createSimulator({ secret: SECRET, dataDir: dir });
    const api2 = client(await second.listen(0));
    try {
      expect((await api2.charge('k-keep', 'tok_approve', 500)).body.id).toBe(charge.id);
      expect((await api2.lookup('k-keep')).body.data[0].amount_refunded).toBe(200);
      expect((await api2.refund('r-keep', charge.id, 200)).body.amount).toBe(200);
      expect(second.stats().chargesCreated).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('completes a slow charge that was still pending when it stopped', async () => {
    const first = createSimulator({ secret: SECRET, dataDir: dir, slowMs: 60_000 });
    const api1 = client(await first.listen(0));
    const abandoned = api1.charge('k-stopped', 'tok_slow').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    await first.close();
    await abandoned;

    const second = createSimulator({ secret: SECRET, dataDir: dir });
    const api2 = client(await second.listen(0));
    try {
      expect((await api2.lookup('k-stopped')).body.data[0].status).toBe('succeeded');
    } finally {
      await second.close();
    }
  });
});
