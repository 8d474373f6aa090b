import { z } from 'zod';
import { BodyTooLargeError, readBoundedBody } from './read-bounded-body';
import {
  ProviderError,
  type CallOptions,
  type FoundCharge,
  type PaymentProvider,
  type ProviderCharge,
  type ProviderChargeRequest,
  type ProviderRefund,
  type ProviderRefundRequest,
} from './types';

/** HttpProviderOptions configure createHttpProvider. */
export interface HttpProviderOptions {
  /** name is stored on each payment, for example "simulated". */
  name: string;
  /** baseUrl is the provider's API root, for example "http://127.0.0.1:8090"; paths like /v1/charges are appended. */
  baseUrl: string;
  /** secret is the API key, sent as `Authorization: Bearer <secret>`. */
  secret: string;
  /** timeoutMs bounds every request on its own; the breaker's shorter timeout arrives as the call's signal. */
  timeoutMs?: number;
  /** maxResponseBytes bounds a response body; a longer one is cut off and counts as unreadable. */
  maxResponseBytes?: number;
  /** fetch replaces the global fetch, for tests. */
  fetch?: typeof fetch;
}

/** DEFAULT_MAX_RESPONSE_BYTES is far above any answer of the charge API (about 500 bytes). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

const DEFAULT_TIMEOUT_MS = 30_000;

const chargeBody = z.object({
  id: z.string().min(1),
  status: z.enum(['succeeded', 'failed', 'pending']),
  amount: z.number().int(),
  currency: z.string(),
  failure_code: z.string().nullish(),
});

const chargeList = z.object({ data: z.array(chargeBody) });

const refundBody = z.object({ id: z.string().min(1), status: z.string() });

const errorBody = z.object({
  error: z.object({
    type: z.string(),
    code: z.string().nullish(),
    message: z.string().nullish(),
    charge: z.string().nullish(),
  }),
});

/** Connection errors that happen before a request is sent: the provider cannot have acted on it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

interface Answer {
  status: number;
  /** json is the parsed body, or undefined when it was empty or not JSON. */
  json: unknown;
}

/**
 * createHttpProvider is the adapter for a payment API shaped like Stripe's
 * (JSON instead of form encoding): the built-in simulator speaks it, and so
 * can a thin proxy in front of a real provider.
 *
 * - `POST /v1/charges` `{amount, currency, source, metadata: {order_id}}` with
 *   an `Idempotency-Key` header: 200 charge, or 402 `card_error` (a decline);
 * - `GET /v1/charges?idempotency_key=K`: `{data: [charge]}`, empty if unknown;
 * - `POST /v1/refunds` `{charge, amount}` with an `Idempotency-Key` header: 200 refund.
 *
 * Errors are `{error: {type, code, message}}`. Every failure becomes a
 * ProviderError that says whether the provider may have acted: a refused
 * connection or an explicit `api_error` answer did nothing; a timeout, a
 * reset connection or an unreadable answer might have.
 */
export function createHttpProvider(options: HttpProviderOptions): PaymentProvider {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const fetchImpl = options.fetch ?? fetch;

  async function send(method: 'GET' | 'POST', path: string, body: unknown, idempotencyKey: string | undefined, callOptions: CallOptions): Promise<Answer> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callOptions.signal ? AbortSignal.any([callOptions.signal, timeout]) : timeout;
    const headers: Record<string, string> = { authorization: `Bearer ${options.secret}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    let response: Response;
    try {
      response = await fetchImpl(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        redirect: 'error',
      });
    } catch (err) {
      throw requestFailed(err, signal);
    }
    let text: string;
    try {
      text = await readBoundedBody(response, maxBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new ProviderError('bad_response', true, `provider answer is larger than ${maxBytes} bytes`, { status: response.status });
      throw requestFailed(err, signal);
    }
    return { status: response.status, json: parseJson(text) };
  }

  return {
    name: options.name,

    async charge(request: ProviderChargeRequest, callOptions: CallOptions = {}): Promise<ProviderCharge> {
      const answer = await send(
        'POST',
        '/v1/charges',
        { amount: toWireAmount(request.amount), currency: request.currency.toLowerCase(), source: request.token, metadata: { order_id: request.orderId } },
        request.idempotencyKey,
        callOptions,
      );
      if (answer.status === 200 || answer.status === 201) {
        const charge = chargeBody.safeParse(answer.json);
        if (!charge.success) throw unreadable(answer);
        if (BigInt(charge.data.amount) !== request.amount || charge.data.currency.toUpperCase() !== request.currency) {
          // The provider charged something else than asked: never call that a success.
          throw new ProviderError('bad_response', true, `provider answered with charge ${charge.data.id} for another amount or currency`, { status: answer.status });
        }
        return fromChargeBody(charge.data, answer);
      }
      if (answer.status === 402) {
        const declined = errorBody.safeParse(answer.json);
        if (!declined.success) throw unreadable(answer);
        return { status: 'declined', providerChargeId: declined.data.error.charge ?? '', declineCode: declined.data.error.code ?? 'card_declined' };
      }
      throw errorAnswer(answer);
    },

    async refund(request: ProviderRefundRequest, callOptions: CallOptions = {}): Promise<ProviderRefund> {
      const answer = await send('POST', '/v1/refunds', { charge: request.providerChargeId, amount: toWireAmount(request.amount) }, request.idempotencyKey, callOptions);
      if (answer.status !== 200 && answer.status !== 201) throw errorAnswer(answer);
      const refund = refundBody.safeParse(answer.json);
      if (!refund.success) throw unreadable(answer);
      if (refund.data.status === 'failed' || refund.data.status === 'canceled') {
        throw new ProviderError('rejected', false, `provider answered refund ${refund.data.id} as ${refund.data.status}`, { status: answer.status });
      }
      return { providerRefundId: refund.data.id };
    },

    async findCharge(idempotencyKey: string, callOptions: CallOptions = {}): Promise<FoundCharge> {
      const answer = await send('GET', `/v1/charges?idempotency_key=${encodeURIComponent(idempotencyKey)}`, undefined, undefined, callOptions);
      if (answer.status !== 200) throw errorAnswer(answer);
      const list = chargeList.safeParse(answer.json);
      if (!list.success) throw unreadable(answer);
      const charge = list.data.data[0];
      if (charge === undefined) return { status: 'not_found' };
      return charge.status === 'pending' ? { status: 'pending' } : fromChargeBody(charge, answer);
    },
  };
}

function fromChargeBody(charge: z.infer<typeof chargeBody>, answer: Answer): ProviderCharge {
  switch (charge.status) {
    case 'succeeded':
      return { status: 'captured', providerChargeId: charge.id };
    case 'failed':
      return { status: 'declined', providerChargeId: charge.id, declineCode: charge.failure_code ?? 'card_declined' };
    case 'pending':
      throw new ProviderError('in_progress', true, `provider is still processing charge ${charge.id}`, { status: answer.status });
  }
}

/** toWireAmount sends amounts as JSON numbers; the domain bounds them far below 2^53. */
function toWireAmount(amount: bigint): number {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`amount ${amount} does not fit a JSON number exactly`);
  return Number(amount);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function unreadable(answer: Answer): ProviderError {
  return new ProviderError('bad_response', true, `provider answered ${answer.status} with a body that is not the expected JSON`, { status: answer.status });
}

/**
 * errorAnswer turns a non-success answer into a ProviderError. Only an
 * explicit error answer says the provider did nothing: 5xx `api_error`
 * (the provider failed before acting) or a 4xx refusal. A 409 means a
 * request with this key is still in flight; an idempotency error means the
 * key already has a charge.
 */
function errorAnswer(answer: Answer): ProviderError {
  const parsed = errorBody.safeParse(answer.json);
  const error = parsed.success ? parsed.data.error : undefined;
  const detail = error ? `: ${error.type}${error.code ? `/${error.code}` : ''}${error.message ? ` ${JSON.stringify(error.message.slice(0, 200))}` : ''}` : '';
  const message = `provider answered ${answer.status}${detail}`;
  const status = answer.status;
  if (status === 401 || status === 403) return new ProviderError('unauthorized', false, message, { status });
  if (status === 409) return new ProviderError('in_progress', true, message, { status });
  if (status >= 400 && status < 500) return new ProviderError('rejected', error?.type === 'idempotency_error', message, { status });
  if (status >= 500) return new ProviderError('server', error?.type !== 'api_error', message, { status });
  return new ProviderError('bad_response', true, message, { status });
}

/** requestFailed classifies a failure to get an answer at all. */
function requestFailed(err: unknown, signal: AbortSignal): ProviderError {
  if (signal.aborted) return new ProviderError('timeout', true, 'provider did not answer in time', { cause: err });
  const codes = causeCodes(err);
  const notSent = codes.length > 0 && codes.every((code) => NOT_SENT_CODES.has(code));
  return new ProviderError('network', !notSent, `provider request failed${codes.length ? ` (${codes.join(', ')})` : ''}`, { cause: err });
}

/** causeCodes digs the system error codes out of undici's "fetch failed" (an AggregateError when several addresses were tried). */
function causeCodes(err: unknown): string[] {
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause === undefined || cause === null) return [];
  const nested = (cause as { errors?: unknown }).errors;
  const all = Array.isArray(nested) ? nested : [cause];
  return all.map((e) => (e as { code?: unknown }).code).filter((c): c is string => typeof c === 'string');
}
