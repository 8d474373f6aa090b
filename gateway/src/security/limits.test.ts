import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/gateway-error';
import { clientIp } from './client-ip';
import { isJsonContentType, parseGrpcTimeout, readBody } from './limits';

function fakeRequest(chunks: string[], headers: Record<string, string> = {}, remoteAddress = '10.0.0.9'): IncomingMessage {
  const stream = new PassThrough() as unknown as IncomingMessage & PassThrough;
  Object.assign(stream, { headers, socket: { remoteAddress } });
  setImmediate(() => {
    for (const c of chunks) stream.write(c);
    stream.end();
  });
  return stream;
}

describe('parseGrpcTimeout', () => {
  it.each([
    ['100m', 100],
    ['2S', 2_000],
    ['1M', 60_000],
    ['1H', 3_600_000],
    ['5000u', 5],
    ['12345678n', 12.345678],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseGrpcTimeout(text)).toBeCloseTo(ms);
  });

  it.each(['', '10', '123456789m', '-1S', '1.5S', '10s'])('refuses %j', (text) => {
    expect(() => parseGrpcTimeout(text)).toThrow(GatewayError);
  });
});

describe('isJsonContentType', () => {
  it('accepts JSON types with parameters and refuses the rest', () => {
    expect(['application/json', 'Application/JSON; charset=utf-8', 'application/merge-patch+json'].map(isJsonContentType)).toEqual([true, true, true]);
    expect([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonp'].map(isJsonContentType)).toEqual([false, false, false, false]);
  });
});

describe('readBody', () => {
  it('reads a body within the limit', async () => {
    expect(await readBody(fakeRequest(['{"a":', '1}']), 100)).toBe('{"a":1}');
  });

  it('refuses a declared length above the limit without reading', async () => {
    await expect(readBody(fakeRequest([], { 'content-length': '101' }), 100)).rejects.toMatchObject({ httpStatus: 413 });
  });

  it('refuses a streamed body as soon as it passes the limit', async () => {
    await expect(readBody(fakeRequest(['x'.repeat(60), 'x'.repeat(60)]), 100)).rejects.toMatchObject({ httpStatus: 413, reason: 'BODY_TOO_LARGE' });
  });
});

describe('clientIp', () => {
  it('uses the peer address unless proxies are trusted', () => {
    expect(clientIp(fakeRequest([], { 'x-forwarded-for': '1.1.1.1' }), 0)).toBe('10.0.0.9');
  });

  it('takes the address the outermost trusted proxy saw, ignoring what the client wrote', () => {
    const req = fakeRequest([], { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.2' });
    expect(clientIp(req, 1)).toBe('10.0.0.2');
    expect(clientIp(req, 2)).toBe('203.0.113.7');
    expect(clientIp(req, 5)).toBe('6.6.6.6');
  });
});
