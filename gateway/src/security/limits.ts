import type { IncomingMessage } from 'node:http';
import { status as Code } from '@grpc/grpc-js';
import { GatewayError } from '../errors/gateway-error';

/** bodyTooLarge is the 413 for a body above the limit. */
export function bodyTooLarge(maxBytes: number): GatewayError {
  return new GatewayError(Code.INVALID_ARGUMENT, 'BODY_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`, { httpStatus: 413 });
}

/**
 * readBody reads a request body up to maxBytes. A Content-Length above the
 * limit is refused before anything is read; a body that turns out larger
 * while streaming is refused as soon as it passes the limit.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(bodyTooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        req.off('data', onData);
        // Stop buffering; the connection is closed after the 413 goes out.
        req.pause();
        reject(bodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}

/** isJsonContentType accepts application/json and application/*+json, with parameters. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const type = header.split(';', 1)[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** unsupportedMediaType is the 415 for a body that is not JSON. */
export function unsupportedMediaType(): GatewayError {
  return new GatewayError(Code.INVALID_ARGUMENT, 'UNSUPPORTED_MEDIA_TYPE', 'the request body must be JSON (Content-Type: application/json)', { httpStatus: 415 });
}

const GRPC_TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };

/**
 * parseGrpcTimeout reads a client's grpc-timeout header ("500m", "2S") as
 * milliseconds; it throws a 400 for anything else.
 */
export function parseGrpcTimeout(header: string): number {
  const match = GRPC_TIMEOUT.exec(header.trim());
  if (!match) {
    throw new GatewayError(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', 'grpc-timeout must be up to 8 digits and a unit (H, M, S, m, u, n), for example "500m"');
  }
  return Number(match[1]) * UNIT_MS[match[2]];
}
