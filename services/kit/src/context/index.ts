export { callContextStorage, currentCall, remainingMs } from './call-context';
export type { CallContext } from './call-context';
export { isAdmin } from './principal';
export type { Role, ServicePrincipal, UserPrincipal } from './principal';
