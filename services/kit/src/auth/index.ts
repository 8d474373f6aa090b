export { createUserTokenVerifier, type UserTokenVerifier, type UserTokenVerifierOptions } from './user-token-verifier';
export type { UserTokenAlgorithm } from './remote-key-set';
export {
  createServiceIdentity,
  createServiceTokenVerifier,
  MAX_SERVICE_TOKEN_TTL_SEC,
  SERVICE_TOKEN_ISSUER,
  SERVICE_TOKEN_TYPE,
  type ServiceIdentity,
  type ServiceIdentityOptions,
  type ServiceTokenVerifier,
  type ServiceTokenVerifierOptions,
} from './service-identity';
export {
  isServiceName,
  loadOrCreateServiceKey,
  privateKeyPath,
  publicKeyPath,
  SERVICE_NAME_PATTERN,
  type ServiceKey,
} from './service-keys';
export { authorizeInternal } from './internal-access';
export { cacheVerifiedTokens, type CacheOptions, type CachedVerifier, type Verifier } from './verified-token-cache';
export {
  createRevokedSessions,
  refuseRevokedSessions,
  type RevocationPage,
  type RevocationSource,
  type RevokedSessions,
  type RevokedSessionsOptions,
} from './revoked-sessions';
