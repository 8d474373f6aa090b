import { status as Code } from '@grpc/grpc-js';
import { fromBinary, toJson, type DescMessage, type JsonObject, type JsonValue, type Registry } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import type { GrpcStatus } from '../upstream/grpc-client';
import { codeName, httpStatusOf } from './http-status';
import type { GatewayError } from './gateway-error';
import type { Reason } from './reason';

/** ERROR_DOMAIN is google.rpc.ErrorInfo.domain of every shopmesh error. */
export const ERROR_DOMAIN = 'shop.example';

const TYPE_PREFIX = 'type.googleapis.com/';

/** Detail types a client may see on a 4xx; DebugInfo (stack entries) never passes. */
const CLIENT_DETAILS: ReadonlySet<string> = new Set([
  'google.rpc.ErrorInfo',
  'google.rpc.BadRequest',
  'google.rpc.PreconditionFailure',
  'google.rpc.ResourceInfo',
  'google.rpc.RetryInfo',
  'google.rpc.RequestInfo',
  'google.rpc.QuotaFailure',
  'google.rpc.Help',
  'google.rpc.LocalizedMessage',
]);

/** Detail types kept on a 5xx: nothing that could carry a backend's internals. */
const SERVER_DETAILS: ReadonlySet<string> = new Set(['google.rpc.ErrorInfo', 'google.rpc.RetryInfo', 'google.rpc.RequestInfo']);

/** Messages shown for 5xx statuses instead of whatever the backend said. */
const GENERIC_MESSAGES: Readonly<Record<number, string>> = {
  [Code.UNAVAILABLE]: 'the service is unavailable, try again later',
  [Code.DEADLINE_EXCEEDED]: 'the request did not finish in time',
  [Code.UNIMPLEMENTED]: 'this operation is not implemented',
};
const GENERIC_INTERNAL = 'internal error';
const GENERIC_BAD_GATEWAY = 'the service answered with a response the gateway cannot pass on';
const MAX_MESSAGE_LENGTH = 1_000;
/** MAX_FIELD_VIOLATIONS bounds google.rpc.BadRequest in every error body; the rest are counted in one more entry. */
export const MAX_FIELD_VIOLATIONS = 20;

/** ErrorResponse is a rendered error: status, extra headers and the JSON body. */
export interface ErrorResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/**
 * ErrorRenderer writes every error the gateway answers in one JSON shape
 * (the google.rpc.Status mapping of AIP-193):
 *
 *   {"error": {"code": 404, "status": "NOT_FOUND", "message": "...",
 *              "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", ...}]}}
 *
 * `code` is the HTTP status, `status` the gRPC code name, `details` the
 * google.rpc details in canonical JSON. A 5xx never shows the backend's
 * message or any detail that could hold internal text; Retry-After comes
 * from google.rpc.RetryInfo on 429 and 503.
 */
export class ErrorRenderer {
  private readonly statusSchema: DescMessage;

  constructor(private readonly registry: Registry) {
    const status = registry.getMessage('google.rpc.Status');
    if (!status) throw new Error('the descriptor set lacks google.rpc.Status');
    this.statusSchema = status;
  }

  /** fromGatewayError renders an error the gateway raised itself. */
  fromGatewayError(err: GatewayError, requestId: string): ErrorResponse {
    const details: JsonObject[] = [{ '@type': `${TYPE_PREFIX}google.rpc.ErrorInfo`, reason: err.reason, domain: ERROR_DOMAIN }];
    if (err.fieldViolations.length > 0) {
      details.push({ '@type': `${TYPE_PREFIX}google.rpc.BadRequest`, fieldViolations: boundViolations(err.fieldViolations.map((v) => ({ field: v.field, description: v.description }))) });
    }
    if (err.retryAfterMs !== undefined) details.push(retryInfo(err.retryAfterMs));
    details.push(requestInfo(requestId));
    const status = err.httpStatus ?? httpStatusOf(err.code);
    const headers: Array<[string, string]> = err.headers.map(([k, v]) => [k, v]);
    if (err.retryAfterMs !== undefined) headers.push(['retry-after', String(retryAfterSeconds(err.retryAfterMs))]);
    if (err.code === Code.UNAUTHENTICATED && !headers.some(([k]) => k === 'www-authenticate')) headers.push(['www-authenticate', INVALID_TOKEN]);
    return { status, headers, body: body(status, err.code, err.message, details) };
  }

  /**
   * fromStatus renders a failed call: the backend's status, or one the
   * gateway made when it got no answer. `challenge` is the WWW-Authenticate
   * value for a 401 (see challengeFor); a 401 without one (a failed login
   * on a public route, with no token sent) carries none.
   */
  fromStatus(grpc: GrpcStatus, requestId: string, challenge?: string): ErrorResponse {
    const status = grpc.badGateway ? 502 : httpStatusOf(grpc.code);
    const serverError = status >= 500;
    const allowed = serverError ? SERVER_DETAILS : CLIENT_DETAILS;
    const details = grpc.details ? this.decodeDetails(grpc.details, allowed, serverError) : [];
    if (grpc.badGateway) details.push({ '@type': `${TYPE_PREFIX}google.rpc.ErrorInfo`, reason: 'BAD_UPSTREAM_RESPONSE' satisfies Reason, domain: ERROR_DOMAIN });
    if (!grpc.fromBackend && grpc.retryAfterMs !== undefined) details.push(retryInfo(grpc.retryAfterMs));
    if (!details.some((d) => d['@type'] === `${TYPE_PREFIX}google.rpc.RequestInfo`)) details.push(requestInfo(requestId));
    const message = grpc.badGateway ? GENERIC_BAD_GATEWAY : serverError ? (GENERIC_MESSAGES[grpc.code] ?? GENERIC_INTERNAL) : truncate(grpc.message);
    const headers: Array<[string, string]> = [];
    if (status === 429 || status === 503) {
      const delay = details.find((d) => d['@type'] === `${TYPE_PREFIX}google.rpc.RetryInfo`)?.['retryDelay'];
      const ms = typeof delay === 'string' ? durationMs(delay) : undefined;
      if (ms !== undefined) headers.push(['retry-after', String(retryAfterSeconds(ms))]);
    }
    if (grpc.code === Code.UNAUTHENTICATED && challenge !== undefined) headers.push(['www-authenticate', challenge]);
    return { status, headers, body: body(status, grpc.code, message, details) };
  }

  /** internal renders an unexpected failure of the gateway itself; the cause is logged, never sent. */
  internal(requestId: string): ErrorResponse {
    return { status: 500, headers: [], body: body(500, Code.INTERNAL, GENERIC_INTERNAL, [requestInfo(requestId)]) };
  }

  /** errorJson renders an error body for a stream that has already started (SSE, NDJSON). */
  streamError(grpc: GrpcStatus, requestId: string): { status: number; error: JsonValue } {
    const rendered = this.fromStatus(grpc, requestId);
    return { status: rendered.status, error: (JSON.parse(rendered.body) as { error: JsonValue }).error };
  }

  private decodeDetails(bytes: Buffer, allowed: ReadonlySet<string>, serverError: boolean): JsonObject[] {
    let anys: Array<{ typeUrl: string; value: Uint8Array }>;
    try {
      anys = (fromBinary(this.statusSchema, bytes) as unknown as { details: Array<{ typeUrl: string; value: Uint8Array }> }).details;
    } catch {
      // A malformed trailer must not hide the status itself.
      return [];
    }
    const out: JsonObject[] = [];
    for (const any of anys) {
      const typeName = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
      if (!allowed.has(typeName)) continue;
      try {
        const json = toJson(AnySchema, { $typeName: 'google.protobuf.Any', typeUrl: any.typeUrl, value: any.value }, { registry: this.registry }) as JsonObject;
        // ErrorInfo metadata may name internal resources; a 5xx keeps only the reason.
        if (serverError && typeName === 'google.rpc.ErrorInfo') delete json['metadata'];
        if (typeName === 'google.rpc.BadRequest' && Array.isArray(json['fieldViolations'])) json['fieldViolations'] = boundViolations(json['fieldViolations']);
        out.push(json);
      } catch {
        continue;
      }
    }
    return out;
  }
}

/** boundViolations keeps the first MAX_FIELD_VIOLATIONS and says how many more there were. */
export function boundViolations<T extends JsonValue>(violations: T[]): JsonValue[] {
  if (violations.length <= MAX_FIELD_VIOLATIONS) return violations;
  const rest = violations.length - MAX_FIELD_VIOLATIONS;
  return [...violations.slice(0, MAX_FIELD_VIOLATIONS), { field: '', description: `and ${rest} more violation${rest === 1 ? '' : 's'}` }];
}

function body(status: number, code: number, message: string, details: JsonValue[]): string {
  return JSON.stringify({ error: { code: status, status: codeName(code), message, details } });
}

function retryInfo(ms: number): JsonObject {
  const rounded = Math.max(0, Math.ceil(ms));
  const seconds = Math.floor(rounded / 1000);
  const millis = rounded % 1000;
  return { '@type': `${TYPE_PREFIX}google.rpc.RetryInfo`, retryDelay: millis === 0 ? `${seconds}s` : `${seconds}.${String(millis).padStart(3, '0')}s` };
}

function requestInfo(requestId: string): JsonObject {
  return { '@type': `${TYPE_PREFIX}google.rpc.RequestInfo`, requestId };
}

/** retryAfterSeconds rounds up to whole seconds, at least 1: Retry-After has no finer unit. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function durationMs(text: string): number | undefined {
  const match = /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 1000 + Number(`0.${match[2] ?? '0'}`) * 1000;
}

function truncate(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

/** INVALID_TOKEN is the RFC 6750 challenge for a token that was sent but is not good. */
const INVALID_TOKEN = 'Bearer realm="shop", error="invalid_token"';
/** TOKEN_REQUIRED is the RFC 6750 challenge for a route that needs a token when none was sent (no error code, 3.1). */
export const TOKEN_REQUIRED = 'Bearer realm="shop"';

/**
 * challengeFor is the WWW-Authenticate value a 401 from a backend carries:
 * invalid_token when a token was sent, the bare challenge when the route
 * needs one and none was sent, and none on a public route called without a
 * token (a failed login is not about a bearer token).
 */
export function challengeFor(tokenSent: boolean, publicRoute: boolean): string | undefined {
  if (tokenSent) return INVALID_TOKEN;
  return publicRoute ? undefined : TOKEN_REQUIRED;
}
