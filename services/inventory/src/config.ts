import { z } from 'zod';
import { envInt } from '@shop/kit';

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * parseDurationMs reads "250ms", "5s", "15m" or "1h" as milliseconds, and
 * returns undefined for anything else. A bare number is refused on purpose:
 * "900" could mean seconds or milliseconds, and guessing wrong is a 1000x
 * mistake.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** envDuration accepts a duration with a unit (see parseDurationMs) between min and max milliseconds. */
function envDuration(minMs: number, maxMs: number) {
  return z
    .string()
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined || ms < minMs || ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: `must be a duration like 500ms, 5s, 15m or 1h, between ${minMs} ms and ${maxMs} ms` });
        return z.NEVER;
      }
      return ms;
    });
}

/** MAX_RESERVATION_TTL_MS is the longest a reservation may hold units: one day. */
export const MAX_RESERVATION_TTL_MS = 24 * 3_600_000;

/** inventoryEnv is the inventory service's own configuration, added to the common one. */
export const inventoryEnv = {
  /** RESERVATION_TTL is how long a reservation holds its units when ReserveStock sends no ttl. */
  RESERVATION_TTL: envDuration(1_000, MAX_RESERVATION_TTL_MS).default(15 * 60_000),
  /** RESERVATION_SWEEP_INTERVAL is the pause between two runs of the expiry sweeper. */
  RESERVATION_SWEEP_INTERVAL: envDuration(10, 3_600_000).default(5_000),
  /** RESERVATION_SWEEP_BATCH is how many reservations one sweeper transaction expires at most. */
  RESERVATION_SWEEP_BATCH: envInt(1, 10_000).default(100),
  /** LOW_STOCK_THRESHOLD is the available count at or below which a SKU is low on stock. */
  LOW_STOCK_THRESHOLD: envInt(0).default(5),
  /** DEMO_DATA is the path of demo/shop.json; when set and the stock table is empty, stock is seeded from it. */
  DEMO_DATA: z.string().min(1).optional(),
};

/** InventoryConfig is the parsed inventoryEnv. */
export type InventoryConfig = z.output<z.ZodObject<typeof inventoryEnv>>;
