export { createServer, type ServerDeps, type ShopServer } from './create-server';
export type { DeepPartial, Handler, MessageType, MethodDefinition, ServiceDefinition, ServiceImplementation } from './definition';
export { OK_OUTCOME, type CallInfo, type CallStatus, type CallStep, type Outcome } from './chain';
export { createHealth, type Health, type ReadinessCheck } from './health';
export { createReflection } from './reflection';
export { SERVICE_TOKEN_HEADER, createAuthentication, type Authenticators, type InternalCallers } from './middleware/auth';
export { REQUEST_ID_HEADER, isRequestId, newRequestId } from './middleware/request-id';
