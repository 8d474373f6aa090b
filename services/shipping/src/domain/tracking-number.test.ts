import { newTrackingNumber } from './tracking-number';

describe('newTrackingNumber', () => {
  it('is SMP and twelve Crockford base32 characters', () => {
    expect(newTrackingNumber()).toMatch(/^SMP[0-9A-HJKMNP-TV-Z]{12}$/);
  });

  it('maps each random byte to one character', () => {
    expect(newTrackingNumber((size) => Buffer.from(Array.from({ length: size }, (_, i) => i)))).toBe('SMP0123456789AB');
  });

  it('gives different numbers on each call', () => {
    expect(new Set(Array.from({ length: 100 }, () => newTrackingNumber())).size).toBe(100);
  });
});
