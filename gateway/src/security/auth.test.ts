import { status as Code } from '@grpc/grpc-js';
import { DomainError, unavailable } from '@shop/kit';
import { GatewayError } from '../errors/gateway-error';
import { fromVerifierError } from './auth';

describe('fromVerifierError', () => {
  it('keeps the verifier\'s own error when its reason is in the contract', () => {
    const err = fromVerifierError(unavailable('AUTH_KEYS_UNAVAILABLE', 'cannot verify tokens right now', 1000));
    expect(err).toMatchObject({ code: Code.UNAVAILABLE, reason: 'AUTH_KEYS_UNAVAILABLE', retryAfterMs: 1000 });
  });

  it('answers 401 for anything else that went wrong with the token', () => {
    expect(fromVerifierError(new Error('signature verification failed'))).toMatchObject({ code: Code.UNAUTHENTICATED, reason: 'UNAUTHENTICATED' });
    expect(fromVerifierError(new DomainError(Code.UNAUTHENTICATED, 'SOMETHING_NEW', 'no'))).toMatchObject({ code: Code.UNAUTHENTICATED, reason: 'UNAUTHENTICATED' });
  });

  it('throws on a non-401 error whose reason is not in the contract, so it becomes a logged INTERNAL', () => {
    const odd = new DomainError(Code.UNAVAILABLE, 'SOMETHING_NEW', 'no');
    expect(() => fromVerifierError(odd)).toThrow(odd);
    expect(odd).not.toBeInstanceOf(GatewayError);
  });
});
