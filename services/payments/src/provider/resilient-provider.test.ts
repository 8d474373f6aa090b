import { Registry } from 'prom-client';
import { createProviderMetrics, type BreakerStateName } from './provider-metrics';
import { withResilience, type ResilienceOptions, type ResilientProvider } from './resilient-provider';
import { ProviderError, type CallOptions, type PaymentProvider, type ProviderCharge } from './types';

type Script = (options: CallOptions) => Promise<ProviderCharge>;

/** scripted is a provider whose charge does whatever the current script says, counting calls. */
function scripted(): PaymentProvider & { calls: number; script: Script; lastSignal?: AbortSignal } {
  const fake = {
    name: 'fake',
    calls: 0,
    lastSignal: undefined as AbortSignal | undefined,
    script: (async () => ({ status: 'captured', providerChargeId: 'ch_ok' })) as Script,
    charge(_req: unknown, options: CallOptions = {}) {
      fake.calls++;
      fake.lastSignal = options.signal;
      return fake.script(options);
    },
    refund: async () => ({ providerRefundId: 're_ok' }),
    findCharge: async () => ({ status: 'not_found' as const }),
  };
  return fake;
}

const request = { idempotencyKey: 'k', amount: 100n, currency: 'EUR', token: 'tok', orderId: 'o' };
const ok: Script = async () => ({ status: 'captured', providerChargeId: 'ch_ok' });
const declined: Script = async () => ({ status: 'declined', providerChargeId: 'ch_no', declineCode: 'card_declined' });
const broken: Script = async () => {
  throw new ProviderError('server', false, 'boom', { status: 500 });
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function resilient(inner: PaymentProvider, overrides: Partial<ResilienceOptions> = {}): { provider: ResilientProvider; states: BreakerStateName[]; registry: Registry } {
  const states: BreakerStateName[] = [];
  const registry = new Registry();
  const provider: ResilientProvider = withResilience(inner, {
    timeoutMs: 200,
    failureRate: 0.5,
    windowMs: 10_000,
    minCalls: 4,
    halfOpenAfterMs: 150,
    onStateChange: (s) => states.push(s),
    metrics: createProviderMetrics(registry, () => provider.breakerState()),
    ...overrides,
  });
  return { provider, states, registry };
}

async function attempt(provider: PaymentProvider): Promise<string> {
  return provider.charge(request).then(
    (c) => c.status,
    (e: unknown) => (e instanceof ProviderError ? e.kind : 'other'),
  );
}

describe('withResilience', () => {
  it('does not count declines against the provider', async () => {
    const inner = scripted();
    inner.script = declined;
    const { provider } = resilient(inner);
    for (let i = 0; i < 10; i++) expect(await attempt(provider)).toBe('declined');
    expect(provider.breakerState()).toBe('closed');
  });

  it('opens once more than the failure rate of at least the minimum calls failed, then fails fast without calling the provider', async () => {
    const inner = scripted();
    const { provider, states } = resilient(inner);
    inner.script = broken;
    expect(await attempt(provider)).toBe('server');
    expect(await attempt(provider)).toBe('server');
    expect(await attempt(provider)).toBe('server');
    expect(provider.breakerState()).toBe('closed'); // three calls: below the minimum of four
    expect(await attempt(provider)).toBe('server');
    expect(provider.breakerState()).toBe('open');
    expect(states).toEqual(['open']);
    const before = inner.calls;
    expect(await attempt(provider)).toBe('breaker_open');
    expect(inner.calls).toBe(before);
    expect(provider.retryAfterMs()).toBeGreaterThan(0);
    expect(provider.retryAfterMs()).toBeLessThanOrEqual(150);
  });

  it('needs more than the failure rate: half of the calls failing keeps it closed', async () => {
    const inner = scripted();
    const { provider } = resilient(inner);
    for (let i = 0; i < 4; i++) {
      inner.script = i % 2 === 0 ? ok : broken;
      await attempt(provider);
    }
    expect(provider.breakerState()).toBe('closed');
  });

  it('lets one probe through after the half-open delay: success closes it, failure opens it again', async () => {
    const inner = scripted();
    const { provider, states } = resilient(inner, { minCalls: 1 });
    inner.script = broken;
    await attempt(provider);
    expect(provider.breakerState()).toBe('open');
    await sleep(170);
    expect(await attempt(provider)).toBe('server');
    expect(states).toEqual(['open', 'half_open', 'open']);
    await sleep(170);
    inner.script = ok;
    expect(await attempt(provider)).toBe('captured');
    expect(states).toEqual(['open', 'half_open', 'open', 'half_open', 'closed']);
    expect(provider.retryAfterMs()).toBe(0);
  });

  it('times a slow call out as ambiguous and aborts its signal', async () => {
    const inner = scripted();
    inner.script = () => new Promise(() => undefined);
    const { provider } = resilient(inner, { timeoutMs: 50 });
    const err = await provider.charge(request).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'timeout', ambiguous: true });
    expect(inner.lastSignal?.aborted).toBe(true);
  });

  it('does not count refused requests or in-flight conflicts against the provider', async () => {
    const inner = scripted();
    const { provider } = resilient(inner, { minCalls: 1 });
    inner.script = async () => {
      throw new ProviderError('rejected', false, 'bad request', { status: 400 });
    };
    expect(await attempt(provider)).toBe('rejected');
    inner.script = async () => {
      throw new ProviderError('in_progress', true, 'in flight', { status: 409 });
    };
    expect(await attempt(provider)).toBe('in_progress');
    expect(provider.breakerState()).toBe('closed');
  });

  it('exports the breaker state and the calls by outcome', async () => {
    const inner = scripted();
    const { provider, registry } = resilient(inner, { minCalls: 1 });
    inner.script = declined;
    await attempt(provider);
    inner.script = broken;
    await attempt(provider);
    await attempt(provider); // two failures of three calls: the breaker opens
    await attempt(provider);
    const text = await registry.metrics();
    expect(text).toContain('shop_payment_provider_breaker_state 2');
    expect(text).toContain('shop_payment_provider_calls_total{operation="charge",outcome="declined"} 1');
    expect(text).toContain('shop_payment_provider_calls_total{operation="charge",outcome="server"} 2');
    expect(text).toContain('shop_payment_provider_calls_total{operation="charge",outcome="breaker_open"} 1');
  });
});
