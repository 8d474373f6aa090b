export { startTracing, TRACER_NAME, type Tracing, type TracingOptions } from './tracing';
export {
  createMetrics,
  codeName,
  splitPath,
  HANDLING_BUCKETS,
  type ClientMethodMetrics,
  type GrpcType,
  type MetricsOptions,
  type RejectReason,
  type RpcMetrics,
  type ServerMethodMetrics,
} from './metrics';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './metrics-server';
