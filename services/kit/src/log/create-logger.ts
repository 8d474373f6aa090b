import pino, { type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { REDACTED, REDACT_PATHS } from './redact-paths';
import { traceMixin } from './trace-mixin';

/** LoggerOptions configure createLogger; destination defaults to stdout. */
export interface LoggerOptions {
  service: string;
  level: LevelWithSilent;
  destination?: DestinationStream;
}

/**
 * createLogger returns a pino logger writing one JSON object a line with
 * `level` as a label ("info"), an ISO `time`, `service`, and `trace_id` and
 * `span_id` when a span is active. Secret fields are replaced by
 * "[redacted]" (see REDACT_PATHS).
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    // pid and hostname are left out: one process runs one service, and the
    // platform already labels lines with the pod or container.
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    mixin: traceMixin,
  };
  // stdout is written asynchronously: a synchronous write per line (pino's
  // default) cost several microseconds of every call's CPU in the runtime
  // benchmark. Lines still go out at once when idle; under load, lines that
  // arrive during a write are coalesced into the next one. runService
  // flushes on shutdown.
  return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: false }));
}
