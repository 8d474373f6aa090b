import { z } from 'zod';
import { envInt } from '@shop/kit';

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * parseDurationMs reads "250ms", "2s", "15m" or "1h" as milliseconds, and
 * returns undefined for anything else. A bare number is refused: "2" could
 * mean seconds or milliseconds.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** envDuration accepts a duration with a unit (see parseDurationMs) between min and max milliseconds. */
function envDuration(minMs: number, maxMs: number) {
  return z.string().transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be a duration like 500ms, 2s, 15m or 1h, between ${minMs} ms and ${maxMs} ms` });
      return z.NEVER;
    }
    return ms;
  });
}

const DAY_MS = 24 * 3_600_000;

/** shippingEnv is the shipping service's own configuration, added to the common one. */
export const shippingEnv = {
  /** ORDERS_ADDRESS is where the orders service serves its event feed (embedded transport). */
  ORDERS_ADDRESS: z.string().min(1).default('127.0.0.1:50054'),
  /** SHIP_DELAY is how long a shipment stays PENDING (being packed) before it ships. */
  SHIP_DELAY: envDuration(0, DAY_MS).default(2_000),
  /** SHIP_POLL_INTERVAL is the pause between two looks for shipments due to ship. */
  SHIP_POLL_INTERVAL: envDuration(10, 3_600_000).default(250),
  /** SHIP_BATCH is how many shipments one shipping transaction takes at most. */
  SHIP_BATCH: envInt(1, 1_000).default(50),
  /** EVENTS_POLL_INTERVAL is how often the idle event relay and feed consumer look for new events. */
  EVENTS_POLL_INTERVAL: envDuration(10, 60_000).default(200),
  /** EVENTS_EXCHANGE is the RabbitMQ topic exchange of shop events (with AMQP_URL). */
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
  /** EVENTS_QUEUE is this service's RabbitMQ queue (with AMQP_URL); dead letters go to `<queue>.dlq`. */
  EVENTS_QUEUE: z.string().min(1).default('shop.shipping'),
};

/** ShippingConfig is the parsed shippingEnv. */
export type ShippingConfig = z.output<z.ZodObject<typeof shippingEnv>>;
