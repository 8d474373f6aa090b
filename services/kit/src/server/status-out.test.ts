import { Metadata } from '@grpc/grpc-js';
import { RequestIdTrailers, trailersOf } from './status-out';

describe('the trailers of a call', () => {
  // RequestIdTrailers writes grpc-js's Metadata.internalRepr (a protected
  // member, not public API; grpc-js is pinned exactly for it) and overrides
  // clone(): these fail when a grpc-js release changes either.
  it('relies on grpc-js keeping its metadata in internalRepr, a Map of arrays', () => {
    const metadata = new Metadata();
    metadata.set('x-request-id', 'r-0');
    expect((metadata as unknown as { internalRepr: unknown }).internalRepr).toEqual(new Map([['x-request-id', ['r-0']]]));
  });

  it('carry x-request-id alone for a status without metadata, read through the public API, and clone to themselves', () => {
    const trailers = trailersOf({ code: 0, details: 'OK' }, 'r-1');
    expect(trailers).toBeInstanceOf(RequestIdTrailers);
    expect(trailers.get('x-request-id')).toEqual(['r-1']);
    expect(trailers.toHttp2Headers()).toEqual({ 'x-request-id': 'r-1' });
    expect(trailers.clone()).toBe(trailers);
  });

  it('add x-request-id to a status\'s own metadata', () => {
    const metadata = new Metadata();
    metadata.set('grpc-status-details-bin', Buffer.from([1]));
    const trailers = trailersOf({ code: 5, details: 'gone', metadata }, 'r-2');
    expect(trailers.get('x-request-id')).toEqual(['r-2']);
    expect(trailers.get('grpc-status-details-bin')).toEqual([Buffer.from([1])]);
  });
});
