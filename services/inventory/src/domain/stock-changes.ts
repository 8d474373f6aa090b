import { failedPrecondition, type DomainError } from '@shop/kit';
import type { StockLevel } from './types';

/** Shortage is a SKU that cannot give the units asked of it. */
export interface Shortage {
  sku: string;
  requested: bigint;
  available: bigint;
}

/**
 * insufficientStock is the FAILED_PRECONDITION (reason INSUFFICIENT_STOCK)
 * for shortages: one PreconditionFailure violation per short SKU, type
 * "STOCK", subject the SKU.
 */
export function insufficientStock(shortages: readonly Shortage[]): DomainError {
  const skus = shortages.map((s) => s.sku).join(', ');
  return failedPrecondition('INSUFFICIENT_STOCK', `not enough stock for ${skus}`, {
    preconditionViolations: shortages.map((s) => ({
      type: 'STOCK',
      subject: s.sku,
      description: `requested ${s.requested}, available ${s.available < 0n ? 0n : s.available}`,
    })),
  });
}

/** OnHandChange is a new on_hand for a SKU, or the reason it is refused. */
export type OnHandChange = { ok: true; onHand: bigint } | { ok: false; error: DomainError };

/**
 * planSet checks that on_hand may become onHand: never below the units
 * reserved, since those are promised to orders.
 */
export function planSet(level: StockLevel, onHand: bigint): OnHandChange {
  if (onHand < level.reserved) {
    return { ok: false, error: belowReserved(level.sku, onHand, level.reserved) };
  }
  return { ok: true, onHand };
}

/**
 * planAdjust checks that on_hand may move by delta: it must stay at or above
 * the units reserved (and so at or above 0).
 */
export function planAdjust(level: StockLevel, delta: bigint): OnHandChange {
  const onHand = level.onHand + delta;
  if (onHand < level.reserved) {
    return { ok: false, error: belowReserved(level.sku, onHand, level.reserved) };
  }
  return { ok: true, onHand };
}

function belowReserved(sku: string, onHand: bigint, reserved: bigint): DomainError {
  return failedPrecondition('INSUFFICIENT_STOCK', `on_hand of ${sku} would be ${onHand}, below the ${reserved} units reserved`, {
    preconditionViolations: [{ type: 'STOCK', subject: sku, description: `on_hand would be ${onHand}, reserved is ${reserved}` }],
  });
}

/**
 * crossesLowStock tells whether a change took a SKU's availability from
 * above the threshold to at or below it. Only the crossing counts, so one
 * StockLow is raised per dip rather than one per reservation while low.
 */
export function crossesLowStock(availableBefore: bigint, availableAfter: bigint, threshold: bigint): boolean {
  return availableBefore > threshold && availableAfter <= threshold;
}
