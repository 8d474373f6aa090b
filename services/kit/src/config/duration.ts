import { z } from 'zod';

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * parseDurationMs reads "250ms", "5s", "15m" or "1h" as milliseconds, and
 * returns undefined for anything else. A bare number is refused: "900" could
 * mean seconds or milliseconds.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** envDuration accepts a duration with a unit (see parseDurationMs) between min and max milliseconds. */
export function envDuration(minMs: number, maxMs: number) {
  return z.string().transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be a duration like 500ms, 5s, 15m or 1h, between ${minMs} ms and ${maxMs} ms` });
      return z.NEVER;
    }
    return ms;
  });
}
