export { createLogger, type LoggerOptions } from './create-logger';
export { REDACT_PATHS, REDACTED, SECRET_FIELDS } from './redact-paths';
export { traceMixin, type TraceFields } from './trace-mixin';
export type { Logger } from 'pino';
