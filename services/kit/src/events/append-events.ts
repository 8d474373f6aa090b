import { randomUUID } from 'node:crypto';
import { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import type { Queryable } from '../store/types';
import { eventType } from './event-type';
import { activeTraceHeaders } from './trace-context';
import type { NewEvent } from './types';

/**
 * appendEvents writes events to the outbox through tx, the caller's
 * transaction, so they exist exactly when the change they describe commits;
 * the relay publishes them afterwards. Each gets a fresh UUID as id, its
 * type from the payload ("shop.events.v1.OrderConfirmed"), source, the
 * current time, and the W3C trace context of the active span, so consumers
 * join the caller's trace. The envelope is stored protobuf-encoded, as it
 * travels.
 */
export async function appendEvents(tx: Queryable, source: string, events: ReadonlyArray<NewEvent>): Promise<void> {
  if (!source) throw new TypeError('appendEvents needs the source service name');
  if (events.length === 0) return;
  const { traceparent, tracestate } = activeTraceHeaders();
  const time = new Date();
  const params: unknown[] = [];
  const rows: string[] = [];
  for (const { subject, payload } of events) {
    if (!subject) throw new TypeError('appendEvents: every event needs a subject (the id of the aggregate it is about)');
    if (payload?.$case === undefined) throw new TypeError('appendEvents: every event needs a payload');
    const envelope: EventEnvelope = { id: randomUUID(), type: eventType(payload), source, time, subject, traceparent, tracestate, payload };
    const n = params.length;
    rows.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})`);
    params.push(envelope.id, envelope.type, subject, Buffer.from(EventEnvelope.encode(envelope).finish()));
  }
  await tx.query(`INSERT INTO event_outbox (event_id, event_type, subject, envelope) VALUES ${rows.join(', ')}`, params);
}
