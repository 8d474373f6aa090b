import { connect } from 'node:net';

/** HttpResult is a response as a test looks at it. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** json is the parsed body, or undefined when it is not JSON. */
  json: any;
}

/**
 * http makes one request the way curl would: a method, a path, headers and
 * a raw body, over real HTTP (fetch).
 */
export async function http(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: string | object } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** rawHttp writes bytes to the server and returns everything it answers before closing (or timeoutMs). */
export function rawHttp(port: number, request: string | Buffer, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    }, timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(request);
  });
}

/** errorOf returns the {error: ...} part of a JSON error body, failing the test when the body is not one. */
export function errorOf(result: HttpResult): { code: number; status: string; message: string; details: Array<Record<string, any>> } {
  if (!result.json || typeof result.json.error !== 'object') throw new Error(`expected a JSON error body, got ${result.status} ${result.text.slice(0, 300)}`);
  return result.json.error;
}

/** detail finds a google.rpc detail of an error by its type name ("google.rpc.BadRequest"). */
export function detail(result: HttpResult, typeName: string): Record<string, any> | undefined {
  return errorOf(result).details.find((d) => d['@type'] === `type.googleapis.com/${typeName}`);
}
