import { decideCommit, decideRelease, decideReturn, isPastExpiry, type ReservationView } from './reservation-transitions';

const now = new Date('2025-01-01T12:00:00Z');
const view = (state: ReservationView['state'], expireTime = new Date('2025-01-01T12:15:00Z')): ReservationView => ({
  reservationId: 'res-1',
  state,
  expireTime,
});

describe('decideCommit', () => {
  it('commits an ACTIVE reservation before its expire_time', () => {
    expect(decideCommit(view('ACTIVE'), now)).toEqual({ kind: 'apply' });
  });

  it('expires an ACTIVE reservation at or past its expire_time instead of committing it', () => {
    expect(decideCommit(view('ACTIVE', now), now)).toEqual({ kind: 'expire' });
    expect(decideCommit(view('ACTIVE', new Date('2025-01-01T11:00:00Z')), now)).toEqual({ kind: 'expire' });
  });

  it('answers a COMMITTED reservation as it is', () => {
    expect(decideCommit(view('COMMITTED'), now)).toEqual({ kind: 'replay' });
  });

  it('refuses EXPIRED with RESERVATION_EXPIRED and RELEASED with INVALID_STATE', () => {
    const expired = decideCommit(view('EXPIRED'), now);
    const released = decideCommit(view('RELEASED'), now);
    expect(expired.kind === 'refuse' && expired.error.reason).toBe('RESERVATION_EXPIRED');
    expect(released.kind === 'refuse' && released.error.reason).toBe('INVALID_STATE');
  });
});

describe('decideRelease', () => {
  it('releases an ACTIVE reservation and expires one past its expire_time', () => {
    expect(decideRelease(view('ACTIVE'), now)).toEqual({ kind: 'apply' });
    expect(decideRelease(view('ACTIVE', now), now)).toEqual({ kind: 'expire' });
  });

  it('answers RELEASED and EXPIRED as they are, so compensations can be retried', () => {
    expect(decideRelease(view('RELEASED'), now)).toEqual({ kind: 'replay' });
    expect(decideRelease(view('EXPIRED'), now)).toEqual({ kind: 'replay' });
  });

  it('refuses a COMMITTED reservation with INVALID_STATE', () => {
    const committed = decideRelease(view('COMMITTED'), now);
    expect(committed.kind === 'refuse' && committed.error.reason).toBe('INVALID_STATE');
  });
});

describe('decideReturn', () => {
  it('returns a COMMITTED reservation and answers a RETURNED one as it is', () => {
    expect(decideReturn(view('COMMITTED'))).toEqual({ kind: 'apply' });
    expect(decideReturn(view('RETURNED'))).toEqual({ kind: 'replay' });
  });

  it('refuses ACTIVE, RELEASED and EXPIRED reservations with INVALID_STATE, as their units were never sold', () => {
    for (const state of ['ACTIVE', 'RELEASED', 'EXPIRED'] as const) {
      const decision = decideReturn(view(state));
      expect(decision.kind === 'refuse' && decision.error.reason).toBe('INVALID_STATE');
    }
  });
});

describe('a RETURNED reservation', () => {
  it('can be neither committed nor released again', () => {
    const commit = decideCommit(view('RETURNED'), now);
    const release = decideRelease(view('RETURNED'), now);
    expect(commit.kind === 'refuse' && commit.error.reason).toBe('INVALID_STATE');
    expect(release.kind === 'refuse' && release.error.reason).toBe('INVALID_STATE');
  });
});

describe('isPastExpiry', () => {
  it('counts the expire_time instant itself as expired', () => {
    expect(isPastExpiry(view('ACTIVE', now), now)).toBe(true);
    expect(isPastExpiry(view('ACTIVE', new Date(now.getTime() + 1)), now)).toBe(false);
  });
});
