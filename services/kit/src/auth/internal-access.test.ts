import { status } from '@grpc/grpc-js';
import { DomainError } from '../errors/domain-error';
import type { ServicePrincipal, UserPrincipal } from '../context/principal';
import { authorizeInternal } from './internal-access';

const orders: ServicePrincipal = { kind: 'service', service: 'orders', audience: 'inventory' };

function denial(run: () => void): DomainError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected authorizeInternal to throw');
}

describe('authorizeInternal', () => {
  it('lets an allowed service through', () => {
    expect(() => authorizeInternal(orders, ['orders', 'checkout'], 'ReserveStock')).not.toThrow();
  });

  it('denies a service that is not allowed without naming the allowed ones', () => {
    const err = denial(() => authorizeInternal({ kind: 'service', service: 'catalog', audience: 'inventory' }, ['orders', 'checkout'], 'ReserveStock'));

    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect(err.message).toBe('ReserveStock is internal to the mesh');
  });

  it('denies a call without a service identity', () => {
    expect(denial(() => authorizeInternal(undefined, ['orders'], 'ReserveStock')).code).toBe(status.PERMISSION_DENIED);
  });

  it('denies a user even when its id matches an allowed service name', () => {
    const user: UserPrincipal = { kind: 'user', sessionId: 's-1', userId: 'orders', roles: ['admin'], token: 't', expiresAt: 0 };

    const err = denial(() => authorizeInternal(user as unknown as ServicePrincipal, ['orders'], 'ReserveStock'));

    expect(err.code).toBe(status.PERMISSION_DENIED);
  });
});
