export { createLogger, type LoggerOptions } from './create-logger';
export { REDACTED, SECRET_FIELDS } from './secret-fields';
export { traceMixin, type TraceFields } from './trace-mixin';
export type { Logger } from 'pino';
export { createLogDestination, LOG_FLUSH_MS } from './log-destination';
export { redactSecrets } from './redact-secrets';
export { callLineWriter, type CallLine, type CallLineWriter } from './call-line';
export { createBatchedDestination, type BatchedDestination, type BatchedDestinationOptions } from './batched-destination';
