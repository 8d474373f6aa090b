import type { Duration } from '../ts/google/protobuf/duration';

/**
 * Durations in milliseconds, as TypeScript code counts time. A
 * google.protobuf.Duration is `{ seconds: bigint, nanos: number }` on the
 * wire; Timestamps are already `Date`s in the generated types.
 *
 *   const { expiresIn } = await clients.auth.login({ email, password });
 *   setTimeout(refresh, durationToMs(expiresIn) - 30_000);
 */

/** durationFromMs makes a Duration of a whole or fractional number of milliseconds (0 or more, finite). */
export function durationFromMs(ms: number): Duration {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a duration must be a finite number of milliseconds, 0 or more; got ${ms}`);
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: Math.round((ms - seconds * 1000) * 1_000_000) };
}

/**
 * durationToMs reads a Duration as milliseconds (nanoseconds rounded up, so
 * a tiny positive duration is never 0); an unset one is `whenUnset` (0).
 */
export function durationToMs(duration: Duration | undefined, whenUnset = 0): number {
  if (duration === undefined) return whenUnset;
  return Number(duration.seconds) * 1000 + Math.ceil(duration.nanos / 1_000_000);
}
