import { durationFromMs, durationToMs } from './time';

describe('durations in milliseconds', () => {
  it('makes and reads google.protobuf.Duration', () => {
    expect(durationFromMs(0)).toEqual({ seconds: 0n, nanos: 0 });
    expect(durationFromMs(900_000)).toEqual({ seconds: 900n, nanos: 0 });
    expect(durationFromMs(1_500)).toEqual({ seconds: 1n, nanos: 500_000_000 });
    expect(durationFromMs(0.25)).toEqual({ seconds: 0n, nanos: 250_000 });
    expect(durationToMs({ seconds: 900n, nanos: 0 })).toBe(900_000);
    expect(durationToMs({ seconds: 1n, nanos: 500_000_000 })).toBe(1_500);
    expect(durationToMs({ seconds: 0n, nanos: 1 })).toBe(1);
    expect(durationToMs(undefined)).toBe(0);
    expect(durationToMs(undefined, 30_000)).toBe(30_000);
  });

  it('refuses what is not a duration', () => {
    expect(() => durationFromMs(-1)).toThrow(RangeError);
    expect(() => durationFromMs(Number.NaN)).toThrow(RangeError);
    expect(() => durationFromMs(Infinity)).toThrow(RangeError);
  });
});
