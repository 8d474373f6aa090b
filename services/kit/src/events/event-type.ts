import type { EventPayload } from './types';

/** EVENTS_PACKAGE is the protobuf package every event message lives in. */
export const EVENTS_PACKAGE = 'shop.events.v1';

/**
 * eventType is the envelope type of a payload: the full name of its message,
 * "shop.events.v1.OrderConfirmed" for `{ $case: 'orderConfirmed' }`. It is
 * also the RabbitMQ routing key and the key of consumers' handlers. The
 * oneof case is the message name with a lower-case first letter, which
 * event-type.test.ts checks against the contract for every case.
 */
export function eventType(payload: Pick<EventPayload, '$case'>): string {
  const name = payload.$case;
  return `${EVENTS_PACKAGE}.${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}
