import { status as Code } from '@grpc/grpc-js';
import { codeName, httpStatusOf } from './http-status';

describe('httpStatusOf', () => {
  it.each([
    [Code.OK, 200],
    [Code.CANCELLED, 499],
    [Code.UNKNOWN, 500],
    [Code.INVALID_ARGUMENT, 400],
    [Code.DEADLINE_EXCEEDED, 504],
    [Code.NOT_FOUND, 404],
    [Code.ALREADY_EXISTS, 409],
    [Code.PERMISSION_DENIED, 403],
    [Code.UNAUTHENTICATED, 401],
    [Code.RESOURCE_EXHAUSTED, 429],
    [Code.FAILED_PRECONDITION, 400],
    [Code.ABORTED, 409],
    [Code.OUT_OF_RANGE, 400],
    [Code.UNIMPLEMENTED, 501],
    [Code.INTERNAL, 500],
    [Code.UNAVAILABLE, 503],
    [Code.DATA_LOSS, 500],
    [42, 500],
  ])('maps gRPC code %i to HTTP %i', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });

  it('names codes canonically', () => {
    expect(codeName(Code.RESOURCE_EXHAUSTED)).toBe('RESOURCE_EXHAUSTED');
    expect(codeName(99)).toBe('UNKNOWN');
  });
});
