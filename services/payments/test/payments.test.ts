import { randomBytes, randomUUID } from 'node:crypto';
import { credentials, status as Code } from '@grpc/grpc-js';
import { backends, createTestAuth, startTestService, type Backend, type TestAuth, type TestService } from '@shop/kit/testing';
import { ShopError } from '@shop/sdk/lib/errors';
import { createPromiseClient, type PromiseClient } from '@shop/sdk/lib/promise-client';
import { EventFeedServiceDefinition } from '@shop/sdk/ts/shop/events/v1/event_feed_service';
import { PaymentState } from '@shop/sdk/ts/shop/payments/v1/payment';
import { PaymentServiceDefinition } from '@shop/sdk/ts/shop/payments/v1/payment_service';
import { paymentsService } from '../src/service';
import { createSimulator, type Simulator } from '../src/simulator/create-simulator';

type Payments = PromiseClient<typeof PaymentServiceDefinition>;
type Metadata = { metadata: Record<string, string> };

const SECRET = 'sk_test_payments_suite';

function freshId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** failure awaits a call that must fail and returns its ShopError. */
async function failure(call: Promise<unknown>): Promise<ShopError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ShopError)) throw new Error(`expected the call to fail with a ShopError, got ${String(err)}`);
  return err;
}

/** eventually retries check until it stops throwing or timeoutMs passes. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await sleep(50);
    }
  }
}

/** Rig is a simulator and a payments service that uses it, with clients and credentials. */
interface Rig {
  sim: Simulator;
  svc: TestService;
  payments: Payments;
  stop(): Promise<void>;
}

async function startRig(auth: TestAuth, backend: Backend, env: Record<string, string>, slowMs: number): Promise<Rig> {
  const sim = createSimulator({ secret: SECRET, slowMs });
  const port = await sim.listen(0);
  const svc = await startTestService(paymentsService, {
    auth,
    backend,
    env: { PAYMENT_PROVIDER_URL: `http://127.0.0.1:${port}`, PAYMENT_PROVIDER_SECRET: SECRET, ...env },
  });
  const payments = createPromiseClient(PaymentServiceDefinition, svc.address, credentials.createInsecure(), { defaultDeadlineMs: 5000 });
  return {
    sim,
    svc,
    payments,
    async stop() {
      await svc.stop();
      await sim.close();
    },
  };
}

describe.each(backends())('the payments service on %s', (backend: Backend) => {
  let auth: TestAuth;
  let rig: Rig;
  let payments: Payments;
  let sim: Simulator;
  let orders: Metadata;
  let owner: Metadata;
  let other: Metadata;
  let admin: Metadata;

  beforeAll(async () => {
    auth = await createTestAuth();
    // The breaker is kept out of the way here (it has its own suite below), and so is the reconciler.
    rig = await startRig(
      auth,
      backend,
      { PROVIDER_TIMEOUT: '300ms', BREAKER_MIN_CALLS: '100000', RECONCILE_INTERVAL: '1h', RECONCILE_AFTER: '1h' },
      1_000,
    );
    ({ payments, sim } = rig);
    orders = { metadata: { 'x-shop-service-token': await (await auth.identity('orders')).token('payments') } };
    owner = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'ada' })}` } };
    other = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'bob' })}` } };
    admin = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'root', roles: ['admin', 'customer'] })}` } };
  });

  afterAll(async () => {
    await rig?.stop();
    auth?.cleanup();
  });

  function chargeRequest(over: { key?: string; orderId?: string; token?: string; amount?: number; currency?: string } = {}) {
    const orderId = over.orderId ?? freshId('order');
    return {
      idempotencyKey: over.key ?? `order-${orderId}-charge`,
      orderId,
      userId: 'ada',
      amount: { currencyCode: over.currency ?? 'EUR', amountMinor: BigInt(over.amount ?? 1999) },
      paymentToken: over.token ?? 'tok_approve',
    };
  }

  describe('FindCharge', () => {
    it('answers the payment made under a key without charging, and NOT_FOUND for a key never charged', async () => {
      const req = chargeRequest({ amount: 1234 });
      const { payment } = await payments.charge(req, orders);
      const before = sim.charges().length;
      const found = await payments.findCharge({ idempotencyKey: req.idempotencyKey }, orders);
      expect(found.payment).toMatchObject({ id: payment!.id, state: PaymentState.PAYMENT_STATE_CAPTURED, amount: { amountMinor: 1234n } });
      expect(sim.charges()).toHaveLength(before);
      const missing = await failure(payments.findCharge({ idempotencyKey: `order-${randomUUID()}-charge` }, orders));
      expect(missing.code).toBe(Code.NOT_FOUND);
      expect((await failure(payments.findCharge({ idempotencyKey: '' }, orders))).code).toBe(Code.INVALID_ARGUMENT);
    });

    it('is internal to the orders service', async () => {
      const inventory = { metadata: { 'x-shop-service-token': await (await auth.identity('inventory')).token('payments') } };
      for (const caller of [owner, admin, inventory]) {
        expect((await failure(payments.findCharge({ idempotencyKey: 'order-x-charge' }, caller))).code).toBe(Code.PERMISSION_DENIED);
      }
    });
  });

  describe('Charge', () => {
    it('captures an approved charge and answers a repeat from the ledger without calling the provider again', async () => {
      const req = chargeRequest({ amount: 4250 });
      const { payment } = await payments.charge(req, orders);
      expect(payment).toMatchObject({
        orderId: req.orderId,
        userId: 'ada',
        amount: { currencyCode: 'EUR', amountMinor: 4250n },
        refundedAmount: { currencyCode: 'EUR', amountMinor: 0n },
        state: PaymentState.PAYMENT_STATE_CAPTURED,
        provider: 'simulated',
        failureReason: '',
        refunds: [],
      });
      expect(payment!.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(payment!.providerReference).toMatch(/^ch_/);
      const again = await payments.charge(req, orders);
      expect(again.payment).toEqual(payment);
      expect(sim.chargeRequestsFor(req.idempotencyKey)).toBe(1);
    });

    it('refuses the same key with another order, amount or token with IDEMPOTENCY_KEY_REUSED', async () => {
      const req = chargeRequest();
      await payments.charge(req, orders);
      for (const changed of [
        { ...req, amount: { currencyCode: 'EUR', amountMinor: 1n } },
        { ...req, paymentToken: 'tok_decline' },
        { ...req, orderId: freshId('order') },
      ]) {
        const err = await failure(payments.charge(changed, orders));
        expect(err.code).toBe(Code.ALREADY_EXISTS);
        expect(err.reason).toBe('IDEMPOTENCY_KEY_REUSED');
      }
      expect(sim.chargeRequestsFor(req.idempotencyKey)).toBe(1);
    });

    it('refuses a second key for an order that is already paid, naming the payment, and charges nothing', async () => {
      const first = chargeRequest();
      const { payment } = await payments.charge(first, orders);
      const second = chargeRequest({ orderId: first.orderId, key: freshId('another-key') });
      const err = await failure(payments.charge(second, orders));
      expect(err.code).toBe(Code.ALREADY_EXISTS);
      expect(err.reason).toBe('ALREADY_EXISTS');
      expect(err.errorDetails.resourceInfo).toMatchObject({ resourceType: 'payment', resourceName: payment!.id });
      expect(sim.chargeRequestsFor(second.idempotencyKey)).toBe(0);
    });

    it('records a decline and fails with PAYMENT_DECLINED, the same way on a repeat', async () => {
      const req = chargeRequest({ token: 'tok_decline' });
      const err = await failure(payments.charge(req, orders));
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.reason).toBe('PAYMENT_DECLINED');
      expect(err.details).toBe('Your card was declined.');
      const paymentId = err.errorDetails.errorInfo!.metadata['payment_id']!;
      const { payment } = await payments.getPayment({ paymentId }, owner);
      expect(payment).toMatchObject({ state: PaymentState.PAYMENT_STATE_DECLINED, failureReason: 'Your card was declined.' });

      const again = await failure(payments.charge(req, orders));
      expect([again.code, again.reason, again.errorDetails.errorInfo!.metadata['payment_id']]).toEqual([Code.FAILED_PRECONDITION, 'PAYMENT_DECLINED', paymentId]);
      expect(sim.chargeRequestsFor(req.idempotencyKey)).toBe(1);
    });

    it('lets a declined order be paid under a new key with another card', async () => {
      const declined = chargeRequest({ token: 'tok_insufficient_funds' });
      const err = await failure(payments.charge(declined, orders));
      expect(err.details).toBe('Your card has insufficient funds.');
      const retry = chargeRequest({ orderId: declined.orderId, key: freshId('retry'), token: 'tok_approve' });
      expect((await payments.charge(retry, orders)).payment!.state).toBe(PaymentState.PAYMENT_STATE_CAPTURED);
    });

    it('marks a provider error FAILED and answers UNAVAILABLE with RetryInfo; a retry with the same key tries again', async () => {
      const req = chargeRequest({ token: 'tok_error' });
      const err = await failure(payments.charge(req, orders));
      expect(err.code).toBe(Code.UNAVAILABLE);
      expect(err.reason).toBe('PAYMENT_PROVIDER_UNAVAILABLE');
      expect(err.errorDetails.retryInfo?.retryDelay).toBeDefined();
      expect(err.errorDetails.errorInfo!.metadata['payment_state']).toBe('FAILED');
      const paymentId = err.errorDetails.errorInfo!.metadata['payment_id']!;
      expect((await payments.getPayment({ paymentId }, owner)).payment!.state).toBe(PaymentState.PAYMENT_STATE_FAILED);

      const again = await failure(payments.charge(req, orders));
      expect(again.reason).toBe('PAYMENT_PROVIDER_UNAVAILABLE');
      expect(sim.chargeRequestsFor(req.idempotencyKey)).toBe(2);
      expect(sim.charges().filter((c) => c.metadata.order_id === req.orderId)).toEqual([]);
    });

    it('leaves a timed-out charge PENDING and reconciles it on the retry, with exactly one charge at the provider', async () => {
      const req = chargeRequest({ token: 'tok_slow' });
      const started = Date.now();
      const err = await failure(payments.charge(req, orders));
      expect(Date.now() - started).toBeLessThan(900);
      expect([err.code, err.reason]).toEqual([Code.UNAVAILABLE, 'PAYMENT_PROVIDER_UNAVAILABLE']);
      expect(err.errorDetails.errorInfo!.metadata['payment_state']).toBe('PENDING');
      const paymentId = err.errorDetails.errorInfo!.metadata['payment_id']!;
      expect((await payments.getPayment({ paymentId }, owner)).payment!.state).toBe(PaymentState.PAYMENT_STATE_PENDING);

      // The provider is still working on it: the retry asks, learns "pending", and charges nothing.
      const early = await failure(payments.charge(req, orders));
      expect(early.errorDetails.errorInfo!.metadata['payment_state']).toBe('PENDING');

      await sleep(1_100);
      const { payment } = await payments.charge(req, orders);
      expect(payment).toMatchObject({ id: paymentId, state: PaymentState.PAYMENT_STATE_CAPTURED });
      expect(sim.chargeRequestsFor(req.idempotencyKey)).toBe(1);
      const atProvider = sim.charges().filter((c) => c.metadata.order_id === req.orderId);
      expect(atProvider.map((c) => c.status)).toEqual(['succeeded']);
      expect(payment!.providerReference).toBe(atProvider[0]!.id);
    });

    it('reconciles a charge whose answer was lost to CAPTURED without charging again', async () => {
      const req = chargeRequest({ token: 'tok_drop' });
      const err = await failure(payments.charge(req, orders));
      expect(err.errorDetails.errorInfo!.metadata['payment_state']).toBe('PENDING');
      const { payment } = await payments.charge(req, orders);
      expect(payment!.state).toBe(PaymentState.PAYMENT_STATE_CAPTURED);
      expect(sim.chargeRequestsFor(req.idempotencyKey)).toBe(1);
    });

    it('charges once for ten concurrent calls with the same key, and all ten get the captured payment', async () => {
      const req = chargeRequest();
      const results = await Promise.all(Array.from({ length: 10 }, () => payments.charge(req, orders)));
      const ids = new Set(results.map((r) => r.payment!.id));
      expect(ids.size).toBe(1);
      expect(results.every((r) => r.payment!.state === PaymentState.PAYMENT_STATE_CAPTURED)).toBe(true);
      expect(sim.chargeRequestsFor(req.idempotencyKey)).toBe(1);
      expect(sim.charges().filter((c) => c.metadata.order_id === req.orderId)).toHaveLength(1);
    });

    it('captures an order once when ten different keys charge it at the same time', async () => {
      const orderId = freshId('order');
      const settled = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => payments.charge(chargeRequest({ orderId, key: `${orderId}-key-${i}` }), orders)),
      );
      const captured = settled.filter((s) => s.status === 'fulfilled');
      const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      expect(captured).toHaveLength(1);
      expect(refused.map((r) => (r.reason as ShopError).code)).toEqual(Array(9).fill(Code.ALREADY_EXISTS));
      expect(sim.charges().filter((c) => c.metadata.order_id === orderId)).toHaveLength(1);
    });

    it('refuses a user token, even an admin one, and another service with PERMISSION_DENIED', async () => {
      const inventory = { metadata: { 'x-shop-service-token': await (await auth.identity('inventory')).token('payments') } };
      for (const caller of [owner, admin, inventory]) {
        const err = await failure(payments.charge(chargeRequest(), caller));
        expect(err.code).toBe(Code.PERMISSION_DENIED);
      }
      expect((await failure(payments.refund({ paymentId: '00000000-0000-4000-8000-000000000000', idempotencyKey: 'r', reason: '' }, admin))).code).toBe(
        Code.PERMISSION_DENIED,
      );
    });

    it('refuses orders\' token replayed by the service it was sent to (catalog), for Charge and Refund', async () => {
      // What catalog receives when orders calls it: orders' token with catalog as its audience.
      const replayed = { metadata: { 'x-shop-service-token': await (await auth.identity('orders')).token('catalog') } };
      const charge = await failure(payments.charge(chargeRequest(), replayed));
      expect(charge.code).toBe(Code.PERMISSION_DENIED);
      expect(charge.message).toContain('issued for another service');
      const refund = await failure(payments.refund({ paymentId: '00000000-0000-4000-8000-000000000000', idempotencyKey: 'r', reason: '' }, replayed));
      expect(refund.code).toBe(Code.PERMISSION_DENIED);
    });

    it('names every invalid field of a Charge', async () => {
      const err = await failure(
        payments.charge({ idempotencyKey: '', orderId: 'has space', userId: '', amount: { currencyCode: 'eur', amountMinor: 0n }, paymentToken: '' }, orders),
      );
      expect(err.code).toBe(Code.INVALID_ARGUMENT);
      expect(err.errorDetails.badRequest!.fieldViolations.map((v) => v.field).sort()).toEqual(
        ['amount', 'amount.currency_code', 'idempotency_key', 'order_id', 'payment_token', 'user_id'].sort(),
      );
      const noAmount = await failure(payments.charge({ ...chargeRequest(), amount: undefined }, orders));
      expect(noAmount.errorDetails.badRequest!.fieldViolations.map((v) => v.field)).toEqual(['amount']);
    });
  });

  describe('Refund', () => {
    async function captured(amount = 1000) {
      const { payment } = await payments.charge(chargeRequest({ amount }), orders);
      return payment!;
    }

    function refundRequest(paymentId: string, amount?: number, key = freshId('refund')) {
      return { paymentId, idempotencyKey: key, amount: amount === undefined ? undefined : { currencyCode: 'EUR', amountMinor: BigInt(amount) }, reason: 'order cancelled by the customer' };
    }

    it('refunds the whole rest when no amount is given, once per key', async () => {
      const payment = await captured(1000);
      const req = refundRequest(payment.id);
      const first = await payments.refund(req, orders);
      expect(first.payment).toMatchObject({ state: PaymentState.PAYMENT_STATE_REFUNDED, refundedAmount: { amountMinor: 1000n } });
      expect(first.refund).toMatchObject({ paymentId: payment.id, amount: { currencyCode: 'EUR', amountMinor: 1000n }, reason: 'order cancelled by the customer' });
      expect(first.refund!.providerReference).toMatch(/^re_/);
      const again = await payments.refund(req, orders);
      expect(again.refund!.id).toBe(first.refund!.id);
      expect(again.payment!.refundedAmount!.amountMinor).toBe(1000n);
      expect(sim.stats().refundRequests).toBeGreaterThan(0);
      expect(sim.charges().find((c) => c.id === payment.providerReference)!.amount_refunded).toBe(1000);
    });

    it('refunds in parts, PARTIALLY_REFUNDED then REFUNDED, listing the refunds oldest first', async () => {
      const payment = await captured(1000);
      const part = await payments.refund(refundRequest(payment.id, 300), orders);
      expect(part.payment).toMatchObject({ state: PaymentState.PAYMENT_STATE_PARTIALLY_REFUNDED, refundedAmount: { amountMinor: 300n } });
      const rest = await payments.refund(refundRequest(payment.id), orders);
      expect(rest.refund!.amount!.amountMinor).toBe(700n);
      const { payment: after } = await payments.getPayment({ paymentId: payment.id }, owner);
      expect(after).toMatchObject({ state: PaymentState.PAYMENT_STATE_REFUNDED, refundedAmount: { amountMinor: 1000n } });
      expect(after!.refunds.map((r) => r.amount!.amountMinor)).toEqual([300n, 700n]);
    });

    it('refuses to refund more than is left with INVALID_STATE', async () => {
      const payment = await captured(1000);
      const tooMuch = await failure(payments.refund(refundRequest(payment.id, 1001), orders));
      expect([tooMuch.code, tooMuch.reason]).toEqual([Code.FAILED_PRECONDITION, 'INVALID_STATE']);
      await payments.refund(refundRequest(payment.id, 600), orders);
      const over = await failure(payments.refund(refundRequest(payment.id, 500), orders));
      expect([over.code, over.reason]).toEqual([Code.FAILED_PRECONDITION, 'INVALID_STATE']);
      await payments.refund(refundRequest(payment.id), orders);
      const nothingLeft = await failure(payments.refund(refundRequest(payment.id), orders));
      expect(nothingLeft.reason).toBe('INVALID_STATE');
    });

    it('never refunds more than was captured when refunds race', async () => {
      const payment = await captured(1000);
      const settled = await Promise.allSettled(Array.from({ length: 5 }, () => payments.refund(refundRequest(payment.id, 300), orders)));
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
      const { payment: after } = await payments.getPayment({ paymentId: payment.id }, admin);
      expect(after!.refundedAmount!.amountMinor).toBe(900n);
      expect(sim.charges().find((c) => c.id === payment.providerReference)!.amount_refunded).toBe(900);
    });

    it('refuses a payment that captured nothing with INVALID_STATE naming its state', async () => {
      const err = await failure(payments.charge(chargeRequest({ token: 'tok_decline' }), orders));
      const paymentId = err.errorDetails.errorInfo!.metadata['payment_id']!;
      const refused = await failure(payments.refund(refundRequest(paymentId), orders));
      expect([refused.code, refused.reason]).toEqual([Code.FAILED_PRECONDITION, 'INVALID_STATE']);
      expect(refused.errorDetails.errorInfo!.metadata['payment_state']).toBe('DECLINED');
    });

    it('refuses another currency, a reused key and an unknown payment', async () => {
      const payment = await captured(1000);
      const usd = await failure(payments.refund({ ...refundRequest(payment.id), amount: { currencyCode: 'USD', amountMinor: 10n } }, orders));
      expect(usd.code).toBe(Code.INVALID_ARGUMENT);
      expect(usd.errorDetails.badRequest!.fieldViolations.map((v) => v.field)).toEqual(['amount.currency_code']);
      const req = refundRequest(payment.id, 100);
      await payments.refund(req, orders);
      const reused = await failure(payments.refund({ ...req, amount: { currencyCode: 'EUR', amountMinor: 200n } }, orders));
      expect([reused.code, reused.reason]).toEqual([Code.ALREADY_EXISTS, 'IDEMPOTENCY_KEY_REUSED']);
      const missing = await failure(payments.refund(refundRequest('00000000-0000-4000-8000-000000000000'), orders));
      expect(missing.code).toBe(Code.NOT_FOUND);
    });
  });

  describe('GetPayment', () => {
    it('shows a payment to its owner and to admins, and NOT_FOUND to anyone else', async () => {
      const { payment } = await payments.charge(chargeRequest(), orders);
      expect((await payments.getPayment({ paymentId: payment!.id }, owner)).payment).toEqual(payment);
      expect((await payments.getPayment({ paymentId: payment!.id }, admin)).payment!.id).toBe(payment!.id);
      const hidden = await failure(payments.getPayment({ paymentId: payment!.id }, other));
      const missing = await failure(payments.getPayment({ paymentId: '00000000-0000-4000-8000-000000000000' }, other));
      expect([hidden.code, hidden.details]).toEqual([Code.NOT_FOUND, `payment ${JSON.stringify(payment!.id)} not found`]);
      expect(missing.code).toBe(Code.NOT_FOUND);
    });

    it('needs a token and a well-formed id', async () => {
      expect((await failure(payments.getPayment({ paymentId: '00000000-0000-4000-8000-000000000000' }))).code).toBe(Code.UNAUTHENTICATED);
      expect((await failure(payments.getPayment({ paymentId: 'nope' }, owner))).code).toBe(Code.INVALID_ARGUMENT);
    });
  });

  describe('events', () => {
    it('publishes PaymentCaptured, PaymentDeclined and PaymentRefunded on its feed', async () => {
      const feed = createPromiseClient(EventFeedServiceDefinition, rig.svc.address, credentials.createInsecure(), { defaultDeadlineMs: 5000 });
      const { payment } = await payments.charge(chargeRequest(), orders);
      const { refund } = await payments.refund({ paymentId: payment!.id, idempotencyKey: freshId('refund'), reason: 'test' }, orders);
      const declined = await failure(payments.charge(chargeRequest({ token: 'tok_decline' }), orders));
      const declinedId = declined.errorDetails.errorInfo!.metadata['payment_id']!;
      await eventually(async () => {
        const { events } = await feed.pullEvents({ afterPosition: 0n, maxEvents: 500 }, orders);
        const seen = events.map((e) => `${e.envelope!.type} ${e.envelope!.subject}`);
        expect(seen).toEqual(
          expect.arrayContaining([
            `shop.events.v1.PaymentCaptured ${payment!.id}`,
            `shop.events.v1.PaymentRefunded ${payment!.id}`,
            `shop.events.v1.PaymentDeclined ${declinedId}`,
          ]),
        );
        const refunded = events.find((e) => e.envelope!.payload?.$case === 'paymentRefunded' && e.envelope!.subject === payment!.id)!.envelope!.payload;
        expect(refunded).toMatchObject({ value: { refundId: refund!.id, fullyRefunded: true, orderId: payment!.orderId } });
      });
    });
  });
});

describe.each(backends())('the payment provider circuit breaker on %s', (backend: Backend) => {
  let auth: TestAuth;
  let rig: Rig;
  let orders: Metadata;
  let owner: Metadata;

  beforeAll(async () => {
    auth = await createTestAuth();
    rig = await startRig(
      auth,
      backend,
      {
        PROVIDER_TIMEOUT: '1s',
        BREAKER_MIN_CALLS: '3',
        BREAKER_FAILURE_RATE: '0.5',
        BREAKER_WINDOW: '10s',
        BREAKER_HALF_OPEN_AFTER: '500ms',
        RECONCILE_AFTER: '1h',
        METRICS_PORT: '0',
      },
      1_000,
    );
    orders = { metadata: { 'x-shop-service-token': await (await auth.identity('orders')).token('payments') } };
    owner = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'ada' })}` } };
  });

  afterAll(async () => {
    await rig?.stop();
    auth?.cleanup();
  });

  function chargeRequest(token: string, orderId = freshId('order')) {
    return { idempotencyKey: `order-${orderId}-charge`, orderId, userId: 'ada', amount: { currencyCode: 'EUR', amountMinor: 500n }, paymentToken: token };
  }

  /** breakerInHealth reads the breaker's state from /healthz on the metrics port, as an operator would. */
  async function breakerInHealth(): Promise<unknown> {
    const res = await fetch(`http://127.0.0.1:${rig.svc.metricsPort}/healthz`);
    const body = (await res.json()) as { status: string; details: { paymentProvider?: { breaker?: string } } };
    // An open breaker does not take payments out of rotation (see service.ts): the process stays SERVING.
    expect([res.status, body.status]).toEqual([200, 'SERVING']);
    return body.details.paymentProvider;
  }

  it('opens after provider errors, fails fast without calling the provider, then half-opens and closes after a success', async () => {
    expect(await breakerInHealth()).toEqual({ name: 'simulated', breaker: 'closed' });
    for (let i = 0; i < 3; i++) {
      const err = await failure(rig.payments.charge(chargeRequest('tok_error'), orders));
      expect(err.reason).toBe('PAYMENT_PROVIDER_UNAVAILABLE');
    }
    expect(rig.sim.stats().chargeRequests).toBe(3);

    // Open: an approvable charge fails at once, the provider never hears of it, and nothing is captured.
    const req = chargeRequest('tok_approve');
    const started = Date.now();
    const fast = await failure(rig.payments.charge(req, orders));
    expect(Date.now() - started).toBeLessThan(250);
    expect([fast.code, fast.reason]).toEqual([Code.UNAVAILABLE, 'PAYMENT_PROVIDER_UNAVAILABLE']);
    expect(fast.errorDetails.retryInfo?.retryDelay).toBeDefined();
    expect(fast.errorDetails.errorInfo!.metadata['payment_state']).toBe('FAILED');
    expect(rig.sim.stats().chargeRequests).toBe(3);
    expect(await breakerInHealth()).toEqual({ name: 'simulated', breaker: 'open' });
    const paymentId = fast.errorDetails.errorInfo!.metadata['payment_id']!;
    expect((await rig.payments.getPayment({ paymentId }, owner)).payment!.state).toBe(PaymentState.PAYMENT_STATE_FAILED);

    // Half-open after 500 ms: the retry is the probe, it succeeds, and the breaker closes.
    await sleep(600);
    const { payment } = await rig.payments.charge(req, orders);
    expect(payment).toMatchObject({ id: paymentId, state: PaymentState.PAYMENT_STATE_CAPTURED });
    expect(rig.sim.stats().chargeRequests).toBe(4);
    const next = await rig.payments.charge(chargeRequest('tok_approve'), orders);
    expect(next.payment!.state).toBe(PaymentState.PAYMENT_STATE_CAPTURED);
    expect(rig.sim.stats().chargeRequests).toBe(5);
    expect(await breakerInHealth()).toEqual({ name: 'simulated', breaker: 'closed' });
  });
});

describe.each(backends())('the payments reconciler on %s', (backend: Backend) => {
  let auth: TestAuth;
  let rig: Rig;
  let orders: Metadata;
  let owner: Metadata;

  beforeAll(async () => {
    auth = await createTestAuth();
    rig = await startRig(auth, backend, { PROVIDER_TIMEOUT: '200ms', RECONCILE_INTERVAL: '100ms', RECONCILE_AFTER: '300ms' }, 500);
    orders = { metadata: { 'x-shop-service-token': await (await auth.identity('orders')).token('payments') } };
    owner = { metadata: { authorization: `Bearer ${await auth.userToken({ userId: 'ada' })}` } };
  });

  afterAll(async () => {
    await rig?.stop();
    auth?.cleanup();
  });

  it('settles an abandoned ambiguous charge to CAPTURED on its own, without charging again', async () => {
    const orderId = freshId('order');
    const req = { idempotencyKey: `order-${orderId}-charge`, orderId, userId: 'ada', amount: { currencyCode: 'EUR', amountMinor: 700n }, paymentToken: 'tok_slow' };
    const err = await failure(rig.payments.charge(req, orders));
    expect(err.errorDetails.errorInfo!.metadata['payment_state']).toBe('PENDING');
    const paymentId = err.errorDetails.errorInfo!.metadata['payment_id']!;
    const payment = await eventually(async () => {
      const { payment: p } = await rig.payments.getPayment({ paymentId }, owner);
      expect(p!.state).toBe(PaymentState.PAYMENT_STATE_CAPTURED);
      return p!;
    });
    expect(payment.providerReference).toMatch(/^ch_/);
    expect(rig.sim.chargeRequestsFor(req.idempotencyKey)).toBe(1);
  });
});
