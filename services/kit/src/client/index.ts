export { createMeshClients, type ClientOptions, type MeshClient, type MeshClientDeps } from './create-client';
export { createPropagation, type ServiceTokenSource } from './propagation';
export { createClientTelemetry } from './telemetry';
export { buildServiceConfig, type RetryOptions } from './service-config';
