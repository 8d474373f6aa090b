export { runService, startService, register, type JwksSource, type Registration, type RunningService, type RuntimeDeps, type ServiceParts, type ServiceSpec } from './run-service';
export { onShutdown, type ShutdownReason } from './on-shutdown';
