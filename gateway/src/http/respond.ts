import type { ServerResponse } from 'node:http';
import type { ErrorResponse } from '../errors/error-body';

/** Headers is a flat [name, value, name, value, ...] list, the cheapest form for writeHead. */
export type Headers = string[];

/** sendJson ends a response with a JSON body. */
export function sendJson(res: ServerResponse, status: number, headers: Headers, body: string): void {
  headers.push('content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body)));
  res.writeHead(status, headers);
  res.end(body);
}

/** sendError ends a response with a rendered error. */
export function sendError(res: ServerResponse, headers: Headers, error: ErrorResponse): void {
  for (const [name, value] of error.headers) headers.push(name, value);
  // Errors are not cached by intermediaries.
  headers.push('cache-control', 'no-store');
  sendJson(res, error.status, headers, error.body);
}

/** sendText ends a response with a text body of the given type. */
export function sendText(res: ServerResponse, status: number, headers: Headers, contentType: string, body: string | Buffer): void {
  headers.push('content-type', contentType, 'content-length', String(Buffer.byteLength(body)));
  res.writeHead(status, headers);
  res.end(body);
}
