import { appendEvents, type NewEvent, type Queryable } from '@shop/kit';

/** SOURCE is the envelope source of every users event. */
export const SOURCE = 'users';

/**
 * appendUserEvents writes events to the kit's outbox through tx, the
 * transaction of the change they describe, so they exist exactly when the
 * change commits; the relay started in service.ts publishes them. Events
 * never carry a password, a hash or a token.
 */
export function appendUserEvents(tx: Queryable, events: NewEvent[]): Promise<void> {
  return appendEvents(tx, SOURCE, events);
}

/** registeredEvent is shop.events.v1.UserRegistered (user id, lower-case email, display name); subject is the user id. */
export function registeredEvent(user: { id: string; email: string; displayName: string }): NewEvent {
  return { subject: user.id, payload: { $case: 'userRegistered', value: { userId: user.id, email: user.email, displayName: user.displayName } } };
}

/** deletedEvent is shop.events.v1.UserDeleted; subject is the user id. */
export function deletedEvent(userId: string): NewEvent {
  return { subject: userId, payload: { $case: 'userDeleted', value: { userId } } };
}
