import { crossesLowStock, insufficientStock, planAdjust, planSet } from './stock-changes';
import type { StockLevel } from './types';

const level: StockLevel = { sku: 'MUG-001', onHand: 10n, reserved: 4n, sold: 0n };

describe('planSet', () => {
  it('allows any on_hand down to the units reserved', () => {
    expect(planSet(level, 4n)).toEqual({ ok: true, onHand: 4n });
    expect(planSet(level, 100n)).toEqual({ ok: true, onHand: 100n });
  });

  it('refuses an on_hand below the units reserved with INSUFFICIENT_STOCK', () => {
    const change = planSet(level, 3n);
    expect(change.ok).toBe(false);
    expect(!change.ok && change.error.reason).toBe('INSUFFICIENT_STOCK');
  });
});

describe('planAdjust', () => {
  it('adds and removes units while on_hand stays at or above reserved', () => {
    expect(planAdjust(level, 5n)).toEqual({ ok: true, onHand: 15n });
    expect(planAdjust(level, -6n)).toEqual({ ok: true, onHand: 4n });
  });

  it('refuses a removal that would eat into reserved units', () => {
    const change = planAdjust(level, -7n);
    expect(!change.ok && change.error.details.preconditionViolations).toEqual([
      { type: 'STOCK', subject: 'MUG-001', description: 'on_hand would be 3, reserved is 4' },
    ]);
  });
});

describe('insufficientStock', () => {
  it('has one STOCK violation per short SKU with what was requested and what is available', () => {
    const err = insufficientStock([
      { sku: 'MUG-001', requested: 3n, available: 1n },
      { sku: 'CUP-002', requested: 1n, available: 0n },
    ]);
    expect(err.reason).toBe('INSUFFICIENT_STOCK');
    expect(err.details.preconditionViolations).toEqual([
      { type: 'STOCK', subject: 'MUG-001', description: 'requested 3, available 1' },
      { type: 'STOCK', subject: 'CUP-002', description: 'requested 1, available 0' },
    ]);
  });
});

describe('crossesLowStock', () => {
  it('fires when availability drops from above the threshold to it or below', () => {
    expect(crossesLowStock(6n, 5n, 5n)).toBe(true);
    expect(crossesLowStock(20n, 0n, 5n)).toBe(true);
  });

  it('stays quiet while availability is already low, above the threshold, or rising', () => {
    expect(crossesLowStock(5n, 4n, 5n)).toBe(false);
    expect(crossesLowStock(20n, 6n, 5n)).toBe(false);
    expect(crossesLowStock(3n, 8n, 5n)).toBe(false);
  });
});
