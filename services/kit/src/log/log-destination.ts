import type { DestinationStream } from 'pino';
import { createBatchedDestination } from './batched-destination';

/** LOG_FLUSH_MS is the longest a line waits in the buffer before it is written. */
export const LOG_FLUSH_MS = 100;

/**
 * createLogDestination writes log lines to a file descriptor (stdout by
 * default) asynchronously and in batches: lines collect until 64 KiB or
 * LOG_FLUSH_MS have passed, then go out in one write (see
 * createBatchedDestination). A write per line (pino's default is even a
 * synchronous one) cost several microseconds of every call's CPU in the
 * runtime benchmark. The price: a process killed with SIGKILL loses at most
 * the last LOG_FLUSH_MS of lines; a normal exit or shutdown writes them.
 */
export function createLogDestination(fd = 1): DestinationStream {
  return createBatchedDestination({ fd, flushMs: LOG_FLUSH_MS });
}
