import { status as Code } from '@grpc/grpc-js';
import { fromJson, toBinary } from '@bufbuild/protobuf';
import { sharedContract } from '@shop/kit';
import { challengeFor, ErrorRenderer } from './error-body';
import { GatewayError, invalidArgument } from './gateway-error';

const registry = sharedContract().registry;
const renderer = new ErrorRenderer(registry);
const StatusSchema = registry.getMessage('google.rpc.Status')!;
const T = 'type.googleapis.com/google.rpc.';

function details(code: number, list: object[]): Buffer {
  return Buffer.from(toBinary(StatusSchema, fromJson(StatusSchema, { code, message: 'x', details: list as never }, { registry })));
}

const everyDetail = [
  { '@type': `${T}ErrorInfo`, reason: 'INSUFFICIENT_STOCK', domain: 'shop.example', metadata: { sku: 'MUG-1', host: 'db-7.internal' } },
  { '@type': `${T}BadRequest`, fieldViolations: [{ field: 'items[0].quantity', description: 'must be positive' }] },
  { '@type': `${T}DebugInfo`, stackEntries: ['at handler (/srv/orders.ts:10)'], detail: 'boom' },
  { '@type': `${T}RetryInfo`, retryDelay: '1.200s' },
  { '@type': `${T}RequestInfo`, requestId: 'r-backend' },
];

describe('ErrorRenderer', () => {
  it('renders a gateway error as {"error": {code, status, message, details}}', () => {
    const rendered = renderer.fromGatewayError(invalidArgument('page_size: too big', [{ field: 'page_size', description: 'too big' }]), 'r-1');
    expect(rendered.status).toBe(400);
    expect(JSON.parse(rendered.body)).toEqual({
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: 'page_size: too big',
        details: [
          { '@type': `${T}ErrorInfo`, reason: 'VALIDATION_FAILED', domain: 'shop.example' },
          { '@type': `${T}BadRequest`, fieldViolations: [{ field: 'page_size', description: 'too big' }] },
          { '@type': `${T}RequestInfo`, requestId: 'r-1' },
        ],
      },
    });
  });

  it('adds Retry-After and the HTTP status override of a gateway error', () => {
    const limited = renderer.fromGatewayError(new GatewayError(Code.RESOURCE_EXHAUSTED, 'RATE_LIMITED', 'slow down', { retryAfterMs: 1_500 }), 'r');
    expect(limited.status).toBe(429);
    expect(limited.headers).toContainEqual(['retry-after', '2']);
    expect(JSON.parse(limited.body).error.details).toContainEqual({ '@type': `${T}RetryInfo`, retryDelay: '1.500s' });
    expect(renderer.fromGatewayError(new GatewayError(Code.INVALID_ARGUMENT, 'BODY_TOO_LARGE', 'big', { httpStatus: 413 }), 'r').status).toBe(413);
  });

  it('keeps the message and client details of a 4xx, never DebugInfo', () => {
    const rendered = renderer.fromStatus({ code: Code.FAILED_PRECONDITION, message: 'not enough stock', details: details(9, everyDetail), fromBackend: true }, 'r-gw');
    const body = JSON.parse(rendered.body).error;
    expect(body.message).toBe('not enough stock');
    expect(body.details.map((d: { '@type': string }) => d['@type'])).toEqual([`${T}ErrorInfo`, `${T}BadRequest`, `${T}RetryInfo`, `${T}RequestInfo`]);
    expect(body.details[0].metadata).toEqual({ sku: 'MUG-1', host: 'db-7.internal' });
    expect(rendered.headers).toEqual([]);
  });

  it("replaces a 5xx backend message and keeps only details that cannot leak internals", () => {
    const rendered = renderer.fromStatus({ code: Code.INTERNAL, message: 'pq: password authentication failed for db-7', details: details(13, everyDetail), fromBackend: true }, 'r-gw');
    expect(rendered.status).toBe(500);
    expect(rendered.body).not.toMatch(/db-7|password|DebugInfo|stack|items\[0\]/);
    const body = JSON.parse(rendered.body).error;
    expect(body.message).toBe('internal error');
    expect(body.details.map((d: { '@type': string }) => d['@type'])).toEqual([`${T}ErrorInfo`, `${T}RetryInfo`, `${T}RequestInfo`]);
  });

  it('sets Retry-After from RetryInfo on 503, and from the gateway hint when no backend answered', () => {
    expect(renderer.fromStatus({ code: Code.UNAVAILABLE, message: '', details: details(14, everyDetail), fromBackend: true }, 'r').headers).toContainEqual(['retry-after', '2']);
    const own = renderer.fromStatus({ code: Code.UNAVAILABLE, message: 'no backend', details: undefined, fromBackend: false, retryAfterMs: 250 }, 'r');
    expect(own.headers).toContainEqual(['retry-after', '1']);
    expect(JSON.parse(own.body).error.details).toContainEqual({ '@type': `${T}RequestInfo`, requestId: 'r' });
  });

  it('ignores malformed details rather than failing', () => {
    const rendered = renderer.fromStatus({ code: Code.NOT_FOUND, message: 'gone', details: Buffer.from([0xff, 0xff, 0xff]), fromBackend: true }, 'r');
    expect(JSON.parse(rendered.body).error).toMatchObject({ code: 404, message: 'gone', details: [{ requestId: 'r' }] });
  });

  it('challenges a 401 as the handler says: invalid_token for a sent token, bare where one is needed, none on a public route without one', () => {
    const unauthenticated = { code: Code.UNAUTHENTICATED, message: 'no', details: undefined, fromBackend: true };
    const header = (challenge: string | undefined) => renderer.fromStatus(unauthenticated, 'r', challenge).headers.find(([k]) => k === 'www-authenticate')?.[1];
    expect(header(challengeFor(true, true))).toBe('Bearer realm="shop", error="invalid_token"');
    expect(header(challengeFor(true, false))).toBe('Bearer realm="shop", error="invalid_token"');
    expect(header(challengeFor(false, false))).toBe('Bearer realm="shop"');
    expect(header(challengeFor(false, true))).toBeUndefined();
  });
});
