import type { ServicePrincipal } from '../context/principal';
import { permissionDenied } from '../errors/domain-error';

/**
 * authorizeInternal lets a call through only when it comes from one of the
 * allowed services, and throws PERMISSION_DENIED otherwise. User tokens never
 * count, whatever their roles. The message names the method but not the
 * allowed callers, so a probe learns nothing about the call graph.
 */
export function authorizeInternal(
  caller: ServicePrincipal | undefined,
  allowed: readonly string[],
  method: string,
): asserts caller is ServicePrincipal {
  // kind is checked too because callers in plain JavaScript could pass any principal.
  if (caller?.kind !== 'service' || !allowed.includes(caller.service)) {
    throw permissionDenied(`${method} is internal to the mesh`);
  }
}
