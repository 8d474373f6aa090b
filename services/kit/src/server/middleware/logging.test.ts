import { status as Code } from '@grpc/grpc-js';
import pino from 'pino';
import { sharedContract } from '../../contract/contract';
import type { CallInfo } from '../chain';
import { createCallLogging } from './logging';

/** logged runs one call end through the call logging and returns the lines written. */
function logged(path: string, code: Code, level: pino.Level = 'info'): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const log = pino({ level }, { write: (line: string) => lines.push(line) });
  const contract = sharedContract().method(path)!;
  const call = { path, contract, type: 'unary', ctx: { requestId: 'r-1' }, durationMs: 25_000 } as unknown as CallInfo;
  createCallLogging(log).end!(call, { status: { code, details: '' } });
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the call line', () => {
  it('is info for an ordinary call', () => {
    expect(logged('/shop.catalog.v1.CatalogService/GetProduct', Code.OK)).toEqual([
      expect.objectContaining({ level: 30, msg: 'call', method: '/shop.catalog.v1.CatalogService/GetProduct', code: 'OK' }),
    ]);
  });

  it('is debug for a long poll that ended well, so an idle mesh is quiet at info', () => {
    expect(logged('/shop.events.v1.EventFeedService/PullEvents', Code.OK)).toEqual([]);
    expect(logged('/shop.users.v1.AuthService/ListRevokedSessions', Code.OK)).toEqual([]);
    expect(logged('/shop.events.v1.EventFeedService/PullEvents', Code.OK, 'debug')).toEqual([expect.objectContaining({ level: 20, msg: 'call' })]);
  });

  it('is still info for a long poll that failed', () => {
    expect(logged('/shop.events.v1.EventFeedService/PullEvents', Code.PERMISSION_DENIED)).toEqual([
      expect.objectContaining({ level: 30, code: 'PERMISSION_DENIED' }),
    ]);
  });
});
