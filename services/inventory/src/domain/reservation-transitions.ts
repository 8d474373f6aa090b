import { failedPrecondition, type DomainError } from '@shop/kit';
import type { ReservationStateName } from './types';

/** ReservationView is what a transition decision needs to know about a reservation. */
export interface ReservationView {
  reservationId: string;
  state: ReservationStateName;
  expireTime: Date;
}

/**
 * Decision is what to do with a reservation: apply the transition, answer
 * with the reservation as it is (a repeat), expire it first, or refuse.
 */
export type Decision = { kind: 'apply' } | { kind: 'replay' } | { kind: 'expire' } | { kind: 'refuse'; error: DomainError };

/** isPastExpiry tells whether an ACTIVE reservation has outlived its expire_time at now. */
export function isPastExpiry(reservation: ReservationView, now: Date): boolean {
  return reservation.expireTime.getTime() <= now.getTime();
}

/**
 * decideCommit: ACTIVE commits; COMMITTED is a repeat and succeeds again;
 * an ACTIVE one past its expire_time is expired (its units go back) and the
 * commit then fails, so a late commit can never sell units that were due to
 * return; RELEASED, EXPIRED and RETURNED are refused (a returned
 * reservation's units are back on hand and no longer a sale).
 */
export function decideCommit(reservation: ReservationView, now: Date): Decision {
  switch (reservation.state) {
    case 'ACTIVE':
      return isPastExpiry(reservation, now) ? { kind: 'expire' } : { kind: 'apply' };
    case 'COMMITTED':
      return { kind: 'replay' };
    case 'EXPIRED':
      return { kind: 'refuse', error: reservationExpired(reservation.reservationId) };
    case 'RELEASED':
    case 'RETURNED':
      return { kind: 'refuse', error: invalidState(reservation.reservationId, reservation.state, 'commit') };
  }
}

/**
 * decideRelease: ACTIVE releases (an ACTIVE one past its expire_time is
 * expired instead, which gives the units back just the same); RELEASED and
 * EXPIRED are repeats and succeed, so a compensation can always be retried;
 * COMMITTED and RETURNED are refused: sold units do not come back by
 * release (ReturnReservation puts them back).
 */
export function decideRelease(reservation: ReservationView, now: Date): Decision {
  switch (reservation.state) {
    case 'ACTIVE':
      return isPastExpiry(reservation, now) ? { kind: 'expire' } : { kind: 'apply' };
    case 'RELEASED':
    case 'EXPIRED':
      return { kind: 'replay' };
    case 'COMMITTED':
    case 'RETURNED':
      return { kind: 'refuse', error: invalidState(reservation.reservationId, reservation.state, 'release') };
  }
}

/**
 * decideReturn: COMMITTED returns (its sold units go back on hand);
 * RETURNED is a repeat and succeeds again, so a cancellation can always be
 * retried; ACTIVE, RELEASED and EXPIRED are refused: their units were never
 * sold (an ACTIVE one is released, not returned). Expiry does not matter
 * here: it only applies to ACTIVE reservations.
 */
export function decideReturn(reservation: ReservationView): Decision {
  switch (reservation.state) {
    case 'COMMITTED':
      return { kind: 'apply' };
    case 'RETURNED':
      return { kind: 'replay' };
    case 'ACTIVE':
    case 'RELEASED':
    case 'EXPIRED':
      return { kind: 'refuse', error: invalidState(reservation.reservationId, reservation.state, 'be returned') };
  }
}

/** reservationExpired is the FAILED_PRECONDITION for committing an expired reservation. */
export function reservationExpired(reservationId: string): DomainError {
  return failedPrecondition('RESERVATION_EXPIRED', `reservation ${JSON.stringify(reservationId)} has expired and its units were returned`, {
    preconditionViolations: [{ type: 'RESERVATION', subject: reservationId, description: 'the reservation is EXPIRED' }],
  });
}

function invalidState(reservationId: string, state: ReservationStateName, action: string): DomainError {
  return failedPrecondition('INVALID_STATE', `reservation ${JSON.stringify(reservationId)} is ${state} and cannot ${action}`, {
    preconditionViolations: [{ type: 'RESERVATION', subject: reservationId, description: `the reservation is ${state}` }],
  });
}
