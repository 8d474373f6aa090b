import {
  chooseSigningKey,
  planAdoption,
  planRotation,
  publishedKeys,
  retiredKeys,
  retirementExtension,
  type KeyPolicy,
  type KeyRecord,
} from './key-rotation';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const policy: KeyPolicy = { rotationMs: 30 * DAY, activationDelayMs: MIN, accessTtlMs: 15 * MIN, retireMarginMs: 5 * MIN };

function key(kid: string, createdAt: number, extra: Partial<KeyRecord> = {}): KeyRecord {
  return { kid, createdAt, activateAt: createdAt, notAfterSigning: null, retireAt: null, canSign: true, ...extra };
}

describe('planRotation', () => {
  it('creates a key that signs at once when there is none', () => {
    expect(planRotation([], 1_000, policy)).toEqual({ create: { activateAt: 1_000 }, supersede: [] });
  });

  it('does nothing while the newest key is younger than the rotation age', () => {
    expect(planRotation([key('a', 0)], 30 * DAY - 1, policy)).toEqual({ supersede: [] });
  });

  it('creates a successor at the rotation age that signs only after the activation delay', () => {
    const now = 30 * DAY;
    const plan = planRotation([key('a', 0)], now, policy);
    expect(plan.create).toEqual({ activateAt: now + MIN });
    // The old key signs until the successor takes over, then stays published for the access TTL and the margin.
    expect(plan.supersede).toEqual([{ kid: 'a', notAfterSigning: now + MIN, retireAt: now + MIN + 15 * MIN + 5 * MIN }]);
  });

  it('does not rotate again while the successor is waiting to sign', () => {
    const now = 30 * DAY;
    const keys = [key('a', 0, { notAfterSigning: now + MIN, retireAt: now + 21 * MIN }), key('b', now, { activateAt: now + MIN })];
    expect(planRotation(keys, now + 30_000, policy)).toEqual({ supersede: [] });
  });

  it('creates a key that signs at once when this process holds none of the published ones', () => {
    const plan = planRotation([key('external', 0, { canSign: false })], 5_000, policy);
    expect(plan.create).toEqual({ activateAt: 5_000 });
    expect(plan.supersede.map((s) => s.kid)).toEqual(['external']);
  });

  it('never rotates when the rotation age is infinite', () => {
    expect(planRotation([key('a', 0)], 1_000 * DAY, { ...policy, rotationMs: Infinity })).toEqual({ supersede: [] });
  });
});

describe('chooseSigningKey', () => {
  const now = 30 * DAY;
  const old = key('a', 0, { notAfterSigning: now + MIN, retireAt: now + 21 * MIN });
  const next = key('b', now, { activateAt: now + MIN });

  it('keeps signing with the old key until the successor has been published for the activation delay', () => {
    expect(chooseSigningKey([old, next], now + MIN - 1)?.kid).toBe('a');
  });

  it('switches to the successor at its activation time', () => {
    expect(chooseSigningKey([old, next], now + MIN)?.kid).toBe('b');
  });

  it('falls back to the newest held key when none is active yet', () => {
    expect(chooseSigningKey([key('c', 0, { activateAt: 10 })], 5)?.kid).toBe('c');
  });

  it('never picks a key this process does not hold', () => {
    expect(chooseSigningKey([key('x', 0, { canSign: false })], 5)).toBeUndefined();
  });
});

describe('publishing and retiring', () => {
  const now = 30 * DAY;
  const old = key('a', 0, { notAfterSigning: now + MIN, retireAt: now + 21 * MIN });
  const next = key('b', now, { activateAt: now + MIN });

  it('publishes a new key before it signs, next to the old one', () => {
    expect(publishedKeys([old, next], now).map((k) => k.kid)).toEqual(['b', 'a']);
  });

  it('keeps the old key published until every token it signed has expired', () => {
    expect(publishedKeys([old, next], now + 21 * MIN - 1).map((k) => k.kid)).toEqual(['b', 'a']);
    expect(publishedKeys([old, next], now + 21 * MIN).map((k) => k.kid)).toEqual(['b']);
    expect(retiredKeys([old, next], now + 21 * MIN).map((k) => k.kid)).toEqual(['a']);
  });

  it('extends the retirement of a replaced key that is still signing', () => {
    const late = now + 10 * MIN;
    expect(retirementExtension(old, late, 10_000, policy)).toBe(late + 10_000 + 20 * MIN);
  });

  it('leaves the retirement alone while the switch to the successor is still ahead', () => {
    expect(retirementExtension(old, now + MIN - 1, 10_000, policy)).toBeUndefined();
  });

  it('never sets a retirement on a key that has not been replaced', () => {
    expect(retirementExtension(next, now + 10 * MIN, 10_000, policy)).toBeUndefined();
  });

  it('leaves an already extended retirement alone', () => {
    const extended = { ...old, retireAt: now + 60 * MIN };
    expect(retirementExtension(extended, now + 10 * MIN, 10_000, policy)).toBeUndefined();
  });
});

describe('planAdoption', () => {
  it('adds a configured key that signs at once when nothing else can sign', () => {
    expect(planAdoption([], 'cfg', 1_000, policy)).toEqual({ create: { activateAt: 1_000 }, supersede: [] });
  });

  it('publishes a configured key ahead of signing when a generated key is still signing', () => {
    const plan = planAdoption([key('a', 0)], 'cfg', 10 * DAY, policy);
    expect(plan.create).toEqual({ activateAt: 10 * DAY + MIN });
    expect(plan.supersede).toEqual([{ kid: 'a', notAfterSigning: 10 * DAY + MIN, retireAt: 10 * DAY + 21 * MIN }]);
  });

  it('does nothing when the configured key is already in the table', () => {
    expect(planAdoption([key('cfg', 0, { canSign: true })], 'cfg', 10 * DAY, policy)).toEqual({ supersede: [] });
  });
});
