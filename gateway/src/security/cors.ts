/** CorsOptions configure cross-origin access from browsers. */
export interface CorsOptions {
  /** origins are the allowed origins ("https://shop.example"), or ["*"] for any; empty turns CORS off. */
  origins: readonly string[];
  maxAgeSec: number;
}

/** Headers a browser may send cross-origin besides the CORS-safelisted ones. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'grpc-timeout', 'x-request-id', 'traceparent', 'tracestate'];
/** Headers a browser script may read from a response. */
const EXPOSED_HEADERS = 'x-request-id, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset';

/** Cors decides the CORS headers of each response. */
export interface Cors {
  /** enabled is false when no origin is configured: no CORS headers at all. */
  readonly enabled: boolean;
  /** responseHeaders are the headers for an actual (non-preflight) request from `origin`, or none when it is not allowed. */
  responseHeaders(origin: string | undefined): Array<[string, string]>;
  /** preflight answers an OPTIONS preflight: the headers to send, or undefined when the origin or method is not allowed. */
  preflight(origin: string | undefined, method: string | undefined, allowedMethods: readonly string[]): Array<[string, string]> | undefined;
}

/**
 * createCors implements CORS for the configured origins. Credentials
 * (cookies) are never allowed: the API takes bearer tokens, which a page
 * sends explicitly, so an allowed origin cannot ride on a user's session.
 */
export function createCors(options: CorsOptions): Cors {
  const any = options.origins.includes('*');
  const allowed = new Set(options.origins);
  const enabled = options.origins.length > 0;
  const allowOrigin = (origin: string | undefined): string | undefined => {
    if (!enabled || origin === undefined) return undefined;
    if (any) return '*';
    return allowed.has(origin) ? origin : undefined;
  };
  const vary: Array<[string, string]> = any ? [] : [['vary', 'Origin']];
  return {
    enabled,
    responseHeaders(origin) {
      const value = allowOrigin(origin);
      if (value === undefined) return enabled && !any ? vary : [];
      return [['access-control-allow-origin', value], ['access-control-expose-headers', EXPOSED_HEADERS], ...vary];
    },
    preflight(origin, method, allowedMethods) {
      const value = allowOrigin(origin);
      if (value === undefined || method === undefined || !allowedMethods.includes(method.toUpperCase())) return undefined;
      return [
        ['access-control-allow-origin', value],
        ['access-control-allow-methods', allowedMethods.join(', ')],
        ['access-control-allow-headers', ALLOWED_HEADERS.join(', ')],
        ['access-control-max-age', String(options.maxAgeSec)],
        ...vary,
      ];
    },
  };
}
